"""Prints its own environment and every process environment it can see, hunting for the
grader's tokens and keys; the hostile test plants one in the grader's environment."""
# base: release
# expect: zero
# %% convolve
import glob
import os

print("ENV:", dict(os.environ))
for _path in glob.glob("/proc/*/environ"):
    try:
        print(_path, open(_path, "rb").read().replace(b"\0", b" ")[:4000])
    except OSError as error:
        print(_path, error)


def convolve(image, kernel):
    return np.zeros((1, 1))
