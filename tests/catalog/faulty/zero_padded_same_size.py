"""Pads the image with zeros (kh // 2, kw // 2 on each side) so the output keeps the image's size."""
# expect: misconception=zero-padded same-size output
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image.astype(float), ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    out = np.zeros(image.shape)
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            out[r, c] = np.sum(padded[r:r + kh, c:c + kw] * kernel)
    return out
