"""Connectors: the shop platforms' webhooks and exports mapped onto Careloop orders."""
