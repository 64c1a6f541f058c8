"""Careloop: after-sales automation for small businesses."""

__version__ = "0.1.0"
