"""Makes the output one too big and loops over all of it, so the last windows run off the image's edge and numpy's slices cut them short."""
# expect: misconception=loops run past the edge
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 2, W - kw + 2))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out
