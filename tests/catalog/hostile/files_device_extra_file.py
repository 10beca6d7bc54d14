"""Puts devices that read like /dev/zero among its files, one as timestamp.txt."""
# attack: files
# expect: full-marks
# folder: device timestamp.txt
# folder: device images/zero.png
