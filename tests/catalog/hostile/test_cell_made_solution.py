"""Correct answers; marks a test cell as a solution cell (plain nbgrader: "Inconsistent checksums")."""
# attack: notebook
# expect: full-marks
# tamper: edit-metadata check_convolve_shape solution true
# tamper: edit-metadata check_kernels points 1000
