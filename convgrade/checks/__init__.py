"""The hidden checks: run them, compare with the reference, name the mistake."""
