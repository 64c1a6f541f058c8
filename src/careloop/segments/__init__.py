"""Segments: RFM scores and segments, CLV (BG/NBD + Gamma-Gamma) and churn risk."""
