"""A copy-paste slip in the window slice, image[r:r+kh, c:c+kh]: the window's width is the kernel's height."""
# expect: misconception=kernel assumed square
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kh] * kernel)
    return out
