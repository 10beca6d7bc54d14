"""Submits binary bytes under the notebook's name."""
# base: release
# expect: zero
# tamper: replace-file binary
