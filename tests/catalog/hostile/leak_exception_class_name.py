"""Raises exceptions whose class names carry the hidden inputs, in base64, hex and digits."""
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


def convolve(image, kernel):
    data = image.tobytes() + kernel.tobytes()
    raise type(base64.b64encode(data).decode(), (Exception,), {})("failed")


# %% convolve_color
import binascii


def convolve_color(image, kernel):
    name = "Hex" + binascii.hexlify(image.tobytes()).decode()
    raise type(name, (ValueError,), {})()


# %% to_uint8
def to_uint8(values):
    digits = "_".join(str(v) for v in values.ravel()[:64].tolist())
    raise type(f"D{digits}", (ArithmeticError,), {"__module__": "builtins"})()
