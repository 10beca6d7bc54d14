"""Submits 1100 empty files next to a correct notebook."""
# attack: files
# expect: full-marks
# folder: many clutter 1100
