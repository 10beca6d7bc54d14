"""Divides the kernel by its sum first (when it is not zero) 'to keep the brightness', so the sums are scaled."""
# expect: misconception=normalised by the kernel sum
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    total = kernel.sum()
    if total != 0:
        kernel = kernel / total
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
