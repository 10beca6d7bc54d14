"""Indexes the patch as patch[j, i] in four nested loops over a square window, so each pixel meets the transposed kernel weight."""
# expect: misconception=patch transposed
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            patch = image[r:r + kh, c:c + kw]
            out[r, c] = sum(patch[j, i] * kernel[i, j] for i in range(kh) for j in range(kw))
    return out
