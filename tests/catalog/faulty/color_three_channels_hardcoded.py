"""Hard-codes three channels (R, G, B): a four-channel (RGBA) image loses its alpha channel."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    red = convolve(image[:, :, 0], kernel)
    green = convolve(image[:, :, 1], kernel)
    blue = convolve(image[:, :, 2], kernel)
    return np.dstack([red, green, blue])
