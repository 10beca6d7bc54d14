"""Carries the hidden inputs in exception messages: plain base64, a message dressed as a
numpy error with the data in its numbers, a NameError for a name spelled with the data,
and the line cache rewritten so the error's "line of code" is the data."""
# base: release
# expect: zero
# %% convolve
import base64
import linecache


def convolve(image, kernel):
    data = base64.b64encode(image.tobytes()).decode()
    for name, entry in list(linecache.cache.items()):
        if name.startswith("<"):
            linecache.cache[name] = (len(data), None, [data + "\n"] * 200, name)
    raise ValueError(data)


# %% convolve_color
def convolve_color(image, kernel):
    numbers = image.ravel()[:3].tolist() + kernel.ravel()[:3].tolist()
    raise IndexError(
        f"index {numbers[0]}{numbers[1]}{numbers[2]} is out of bounds for axis "
        f"{numbers[3]} with size {image.tobytes().hex()}"
    )


# %% to_uint8
def to_uint8(values):
    name = "v" + values.tobytes().hex()
    return eval(name)
