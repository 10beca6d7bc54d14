"""Multiplies only the pixel under the kernel's centre by the kernel's centre weight, ignoring the neighbours."""
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    ch, cw = kh // 2, kw // 2
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = image[r + ch, c + cw] * kernel[ch, cw]
    return out
