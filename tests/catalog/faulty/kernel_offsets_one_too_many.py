"""Loops over kernel offsets with range(kh + 1) and range(kw + 1), so kernel[i, j] runs off the kernel: an IndexError."""
# expect: misconception=window one too large
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            for i in range(kh + 1):
                for j in range(kw + 1):
                    out[r, c] += image[r + i, c + j] * kernel[i, j]
    return out
