"""Puts a FIFO where nbgrader reads the submission time: opening it would block forever."""
# expect: full-marks
# folder: fifo timestamp.txt
