"""Converts to gray and returns one 2D result: the channel axis is gone."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    gray = image[:, :, 0] * 0.299 + image[:, :, 1] * 0.587 + image[:, :, 2] * 0.114
    return convolve(gray, kernel)
