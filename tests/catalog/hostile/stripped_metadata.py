"""Correct answers, but every cell's nbgrader metadata was stripped (a copy-paste into a new notebook)."""
# attack: notebook
# expect: full-marks
# tamper: strip-metadata *
