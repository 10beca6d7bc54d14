"""Returns the channels in reverse order (BGR instead of RGB), an OpenCV habit."""
# expect: misconception=channels mixed up
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    channels = [convolve(image[:, :, c], kernel) for c in range(image.shape[2])]
    return np.dstack(channels[::-1])
