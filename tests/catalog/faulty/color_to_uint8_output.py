"""Passes the result through to_uint8 so it can be shown: rounded, clipped and uint8."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    channels = [convolve(image[:, :, c], kernel) for c in range(image.shape[2])]
    return to_uint8(np.stack(channels, axis=2))
