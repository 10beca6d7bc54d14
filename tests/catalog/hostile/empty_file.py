"""Submits an empty notebook file."""
# attack: notebook
# base: release
# expect: zero because the file is no notebook: there are no answers to grade
# tamper: replace-file empty
