"""The customer brain: profiles, consents and the timeline of everything that happened."""
