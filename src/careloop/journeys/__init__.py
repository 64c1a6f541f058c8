"""Journeys: YAML-defined care sequences triggered by timeline events and dates, run
durably by the worker under the contact policy (docs/decisions/0002-journey-runtime.md)."""
