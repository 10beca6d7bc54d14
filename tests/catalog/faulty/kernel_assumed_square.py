"""Takes the kernel size as len(kernel) and uses it for both directions, as if every kernel were square."""
# expect: misconception=kernel assumed square
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    k = len(kernel)
    H, W = image.shape
    out = np.zeros((H - k + 1, W - k + 1))
    for i in range(H - k + 1):
        for j in range(W - k + 1):
            out[i, j] = np.sum(image[i:i + k, j:j + k] * kernel)
    return out
