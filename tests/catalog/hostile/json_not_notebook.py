"""Submits a JSON file that is not a notebook."""
# attack: notebook
# base: release
# expect: zero because the file is no notebook: there are no answers to grade
# tamper: replace-file not-a-notebook
