"""convolve crashes the interpreter with a segmentation fault."""
# base: release
# expect: zero
# %% convolve
import ctypes


def convolve(image, kernel):
    ctypes.string_at(0)
