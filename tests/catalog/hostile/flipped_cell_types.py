"""Correct answers, but turned a test cell into markdown and the kernels cell too."""
# attack: notebook
# expect: full-marks
# tamper: flip-cell-type check_convolve_nonsquare
# tamper: flip-cell-type kernels
