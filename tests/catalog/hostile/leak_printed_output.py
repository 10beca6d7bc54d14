"""Prints, warns and writes to stderr the hidden inputs, then fails in an ordinary way."""
# base: release
# expect: zero
# %% convolve
import base64
import os
import sys
import warnings


def convolve(image, kernel):
    data = base64.b64encode(image.tobytes()).decode()
    print(data)
    print(image.tolist())
    sys.stderr.write(image.tobytes().hex() + "\n")
    warnings.warn(data)
    for fd in (1, 2):
        try:
            os.write(fd, data.encode())
        except OSError:
            pass
    return None


# %% to_uint8
def to_uint8(values):
    print(values.tobytes().hex())
    raise RuntimeError(str(values.tolist()))
