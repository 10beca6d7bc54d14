"""Submits a link to another student's notebook instead of a notebook: must not get their marks."""
# attack: files
# base: release
# expect: zero because the notebook is a link to someone else's work: it is refused
# folder: notebook-symlink {submitted}/bystander-complete/convolutions/convolutions.ipynb
