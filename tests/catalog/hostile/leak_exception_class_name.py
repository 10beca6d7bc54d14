"""Raises exceptions whose class names carry the hidden inputs, in base64, hex and digits."""
# base: release
# expect: zero
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
