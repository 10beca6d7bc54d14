"""Correct answers, but deletes three test cells, the first among them."""
# attack: notebook
# expect: full-marks
# tamper: delete-cell check_convolve_shape
# tamper: delete-cell check_convolve_uint8
# tamper: delete-cell check_to_uint8
