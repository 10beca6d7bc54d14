"""Prints, warns and writes to stderr the hidden inputs, then fails in an ordinary way."""
# attack: leak
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# expect: loses=check_to_uint8
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
