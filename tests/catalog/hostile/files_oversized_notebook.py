"""Submits a 20 MiB notebook file."""
# attack: files
# base: release
# expect: zero because a notebook over the size limit is refused unread: no answers to grade
# folder: big convolutions.ipynb 20
