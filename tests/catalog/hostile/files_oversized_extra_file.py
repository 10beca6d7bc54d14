"""Submits a 40 MiB file next to a correct notebook."""
# attack: files
# expect: full-marks
# folder: big data/weights.npy 40
