"""Tenancy: shops, staff users and their roles, API keys."""
