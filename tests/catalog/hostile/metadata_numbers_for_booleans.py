"""Correct answers, but nbgrader's flags on three cells are the numbers 1 and 0 instead of true and false: equal in Python, refused by nbgrader's metadata schema, which failed the whole submission in both doors. The metadata is restored like any other edit."""
# attack: notebook
# expect: full-marks
# tamper: edit-metadata check_convolve_shape grade 1
# tamper: edit-metadata check_convolve_shape solution 0
# tamper: edit-metadata convolve solution 1
