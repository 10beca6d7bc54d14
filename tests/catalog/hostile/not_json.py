"""Submits a notebook file cut off in the middle: not valid JSON."""
# base: release
# expect: zero
# tamper: replace-file not-json
