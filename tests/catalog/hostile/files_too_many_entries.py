"""Submits 1100 empty files next to a correct notebook."""
# expect: full-marks
# folder: many clutter 1100
