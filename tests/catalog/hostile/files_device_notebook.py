"""Submits a device that reads like /dev/zero as its notebook (needs root to make)."""
# attack: files
# base: release
# expect: zero because the device is refused unread: there are no answers to grade
# folder: device convolutions.ipynb
