"""Loops over range(2) instead of range(3): the last channel is missing."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    channels = []
    for c in range(2):
        channels.append(convolve(image[:, :, c], kernel))
    return np.stack(channels, axis=2)
