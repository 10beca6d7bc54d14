"""Submits a notebook file cut off in the middle: not valid JSON."""
# attack: notebook
# base: release
# expect: zero because the file is no notebook: there are no answers to grade
# tamper: replace-file not-json
