"""Uses np.mean of the products instead of np.sum, mixing convolution up with the box blur."""
# expect: misconception=mean instead of sum
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.mean(image[r:r + kh, c:c + kw] * kernel)
    return out
