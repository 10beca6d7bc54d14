"""Correct answers, but nbgrader's metadata has values equal in Python and refused by nbgrader's schema: the numbers 1 and 0 for true and false, 3.0 for the integer schema version, and null for a whole cell's metadata. Each failed the whole submission in both doors; each is now restored like any other edit."""
# attack: notebook
# expect: full-marks
# tamper: edit-metadata check_convolve_shape grade 1
# tamper: edit-metadata check_convolve_shape solution 0
# tamper: edit-metadata convolve solution 1
# tamper: edit-metadata check_kernels schema_version 3.0
# tamper: set-metadata last nbgrader null
# %% new-cell
x = 1
