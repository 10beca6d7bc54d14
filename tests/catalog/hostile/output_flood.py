"""Prints hundreds of megabytes from its answer cell, to stdout and straight to fd 2."""
# base: release
# expect: zero
# %% convolve
import os

_line = "x" * 10_000
for _ in range(20_000):
    print(_line)
    os.write(2, _line.encode())
