"""Averages the channels to gray, convolves once, and copies the gray result into every channel."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    gray = image.mean(axis=2)
    blurred = convolve(gray, kernel)
    return np.stack([blurred] * image.shape[2], axis=2)
