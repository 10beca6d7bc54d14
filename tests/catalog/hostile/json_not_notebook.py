"""Submits a JSON file that is not a notebook."""
# base: release
# expect: zero
# tamper: replace-file not-a-notebook
