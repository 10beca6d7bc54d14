"""The instructor's own answers, unchanged: two loops over the output pixels."""
# expect: full-marks
