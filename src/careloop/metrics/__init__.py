"""Metrics: every after-sales KPI, by period and first-purchase cohort, and the monthly review."""
