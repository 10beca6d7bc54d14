"""A list comprehension whose column range stops at W - kw, one column early."""
# expect: misconception=output one short
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[r:r + kh, c:c + kw] * kernel) for c in range(W - kw)]
                     for r in range(H - kh + 1)], dtype=float)
