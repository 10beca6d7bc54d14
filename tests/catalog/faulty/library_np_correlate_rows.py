"""Loops over output rows and kernel rows but lets np.correlate(..., mode='valid') slide each kernel row along the image row."""
# expect: misconception=library routine
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    image = image.astype(float)
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for i in range(kh):
            out[r] += np.correlate(image[r + i], kernel[i], mode="valid")
    return out
