"""Clips every sum to 0..255 with np.clip so the output 'stays a valid image'."""
# expect: misconception=clipped
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            value = np.sum(image[r:r + kh, c:c + kw] * kernel)
            out[r, c] = np.clip(value, 0, 255)
    return out
