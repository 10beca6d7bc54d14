"""convolve ends its own process with os._exit."""
# base: release
# expect: zero
# %% convolve
import os


def convolve(image, kernel):
    os._exit(0)
