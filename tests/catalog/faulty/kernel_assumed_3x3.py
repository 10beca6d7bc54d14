"""Hard-codes the 3 x 3 kernels of the lesson: windows are always image[r:r+3, c:c+3] and the output is (H - 2, W - 2)."""
# expect: misconception=kernel assumed 3 x 3
# expect: loses=check_convolve_edge_sizes
# %% convolve
def convolve(image, kernel):
    H, W = image.shape
    out = np.zeros((H - 2, W - 2))
    for r in range(H - 2):
        for c in range(W - 2):
            out[r, c] = np.sum(image[r:r + 3, c:c + 3] * kernel)
    return out
