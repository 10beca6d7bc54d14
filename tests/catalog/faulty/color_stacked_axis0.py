"""Stacks the convolved channels with np.stack's default axis 0: shape (C, H', W')."""
# expect: misconception=channels mixed up
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    channels = [convolve(image[:, :, c], kernel) for c in range(image.shape[2])]
    return np.stack(channels)
