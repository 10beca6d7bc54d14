"""Loops over the kernel with k = kernel.shape[0] in both directions, as if it were square: a wide kernel loses its right columns, a tall one raises IndexError."""
# expect: misconception=kernel assumed square
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    k = kernel.shape[0]
    H, W = image.shape
    out = np.zeros((H - k + 1, W - k + 1))
    for r in range(H - k + 1):
        for c in range(W - k + 1):
            for i in range(k):
                for j in range(k):
                    out[r, c] += image[r + i, c + j] * kernel[i, j]
    return out
