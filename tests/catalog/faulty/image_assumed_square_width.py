"""Allocates the right output but loops over rows with the image's width, len(image[0]), as if the image were square."""
# expect: misconception=image assumed square
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    size = len(image[0])
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(min(size - kh + 1, out.shape[0])):
        for c in range(size - kw + 1):
            total = 0
            for i in range(kh):
                for j in range(kw):
                    total = total + image[r + i, c + j] * kernel[i, j]
            out[r, c] = total
    return out
