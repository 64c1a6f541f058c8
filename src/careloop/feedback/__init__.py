"""Feedback: surveys (NPS, CSAT, custom), reviews, routing, and themes."""
