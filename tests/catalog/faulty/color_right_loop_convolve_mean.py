"""Right colour code (a loop filling out[:, :, c]) on a convolve that averages each window: the colour checks pass with "fix convolve first", the convolve checks lose."""
# expect: misconception=mean instead of sum
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.mean(image[r:r + kh, c:c + kw] * kernel)
    return out
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1, image.shape[2]))
    for channel in range(image.shape[2]):
        out[:, :, channel] = convolve(image[:, :, channel].astype(float), kernel)
    return out
