"""Submits a relative link to another student's notebook, and links their timestamp too."""
# base: release
# expect: zero
# folder: notebook-symlink ../../bystander-complete/convolutions/convolutions.ipynb
# folder: symlink timestamp.txt ../../bystander-complete/convolutions/timestamp.txt
