"""Computes np.sum(window) * np.sum(kernel), taking the sum of products to be the product of the sums."""
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw]) * np.sum(kernel)
    return out
