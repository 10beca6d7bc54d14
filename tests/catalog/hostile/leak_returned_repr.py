"""Returns objects that carry the hidden inputs: a repr of base64, a class named with hex,
a list of strings, and a structured array whose field names are the data."""
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
# expect: loses=check_convolve_color
# expect: loses=check_to_uint8
# %% convolve
import base64

import numpy as np


class Carrier:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    __str__ = __repr__


def convolve(image, kernel):
    data = base64.b64encode(image.tobytes() + kernel.tobytes()).decode()
    if image.size % 2:
        return Carrier(data)
    return type("H" + image.tobytes().hex()[:200], (), {})()


# %% convolve_color
def convolve_color(image, kernel):
    return [base64.b64encode(image.tobytes()).decode(), "x"]


# %% to_uint8
def to_uint8(values):
    names = [(values.tobytes().hex()[i : i + 30] or "e", "u1") for i in range(0, 120, 30)]
    return np.zeros(values.shape, dtype=names)
