"""Puts a FIFO where nbgrader reads the submission time: opening it would block forever."""
# attack: files
# expect: full-marks
# folder: fifo timestamp.txt
