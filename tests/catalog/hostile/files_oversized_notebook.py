"""Submits a 20 MiB notebook file."""
# base: release
# expect: zero
# folder: big convolutions.ipynb 20
