"""Submits a device that reads like /dev/zero as its notebook (needs root to make)."""
# base: release
# expect: zero
# folder: device convolutions.ipynb
