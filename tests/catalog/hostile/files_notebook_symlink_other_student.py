"""Submits a link to another student's notebook instead of a notebook: must not get their marks."""
# base: release
# expect: zero
# folder: notebook-symlink {submitted}/bystander-complete/convolutions/convolutions.ipynb
