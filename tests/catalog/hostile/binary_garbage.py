"""Submits binary bytes under the notebook's name."""
# attack: notebook
# base: release
# expect: zero because the file is no notebook: there are no answers to grade
# tamper: replace-file binary
