"""Four scalar loops whose outer loops run over every pixel, so image[r + i, c + j] runs off the image at the bottom and right."""
# expect: misconception=loops run past the edge
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H):
        for c in range(W):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    total += image[r + i, c + j] * kernel[i, j]
            if r < out.shape[0] and c < out.shape[1]:
                out[r, c] = total
    return out
