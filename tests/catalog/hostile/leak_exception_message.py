"""Carries the hidden inputs in exception messages: plain base64, a message dressed as a
numpy error with the data in its numbers, a NameError for a name spelled with the data,
and the line cache rewritten so the error's "line of code" is the data."""
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
