"""Four nested loops that read kernel[b, a] instead of kernel[a, b]: the kernel is used transposed (and non-square kernels crash)."""
# expect: misconception=transposed kernel
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(H - kh + 1):
        for x in range(W - kw + 1):
            s = 0.0
            for a in range(kh):
                for b in range(kw):
                    s = s + image[y + a, x + b] * kernel[b, a]
            out[y, x] = s
    return out
