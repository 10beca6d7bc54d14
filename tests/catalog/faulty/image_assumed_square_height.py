"""Takes n = image.shape[0] as the image's size in both directions, as if every image were square."""
# expect: misconception=image assumed square
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    n = image.shape[0]
    out = np.zeros((n - kh + 1, n - kw + 1))
    for r in range(n - kh + 1):
        for c in range(n - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
