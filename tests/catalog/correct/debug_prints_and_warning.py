"""Correct, but left debug output in: prints to stdout and stderr and calls warnings.warn."""
# expect: full-marks
# %% convolve
import sys
import warnings


def convolve(image, kernel):
    print("convolve called with", image.shape, image.dtype, "and kernel", kernel.shape)
    if image.dtype == np.uint8:
        warnings.warn("uint8 image: converting to float first")
    image = image.astype(float)
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * kernel)
        print("row", row, "done:", result[row], file=sys.stderr)
    print("DEBUG result", result)
    return result
# %% convolve_color
def convolve_color(image, kernel):
    print("colour image", image.shape)
    channels = [convolve(image[:, :, channel], kernel) for channel in range(image.shape[2])]
    print("stacking", len(channels), "channels", file=sys.stderr)
    return np.stack(channels, axis=2)
