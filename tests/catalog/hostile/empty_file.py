"""Submits an empty notebook file."""
# base: release
# expect: zero
# tamper: replace-file empty
