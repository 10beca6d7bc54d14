"""Submits a relative link to another student's notebook, and links their timestamp too."""
# attack: files
# base: release
# expect: zero because the notebook is a link to someone else's work: it is refused
# folder: notebook-symlink ../../bystander-complete/convolutions/convolutions.ipynb
# folder: symlink timestamp.txt ../../bystander-complete/convolutions/timestamp.txt
