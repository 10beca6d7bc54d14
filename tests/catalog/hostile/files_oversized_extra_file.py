"""Submits a 40 MiB file next to a correct notebook."""
# expect: full-marks
# folder: big data/weights.npy 40
