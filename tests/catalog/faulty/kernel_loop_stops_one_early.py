"""Four nested loops whose kernel loops run over range(kh - 1) and range(kw - 1), leaving out the kernel's last row and column."""
# expect: misconception=kernel loop one short
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            acc = 0
            for i in range(kh - 1):
                for j in range(kw - 1):
                    acc += image[r + i, c + j] * kernel[i, j]
            out[r, c] = acc
    return out
