"""Sets total = 0 once, before the loops, so each output value also contains the sums of all earlier windows."""
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    total = 0.0
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            for i in range(kh):
                for j in range(kw):
                    total += image[r + i, c + j] * kernel[i, j]
            out[r, c] = total
    return out
