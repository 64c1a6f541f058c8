"""Cross-cutting pieces: clock, settings, errors, identifiers, money, phones."""
