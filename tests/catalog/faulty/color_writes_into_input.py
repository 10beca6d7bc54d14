"""Saves memory by writing each convolved channel back into the image it was given."""
# expect: misconception=input modified
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    for c in range(image.shape[2]):
        image[:h, :w, c] = convolve(image[:, :, c], kernel)
    return image[:h, :w, :].astype(float)
