"""Makes the output the right size but loops over range(H - kh) and range(W - kw): the last row and column stay zero."""
# expect: misconception=output one short
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh):
        for c in range(W - kw):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
