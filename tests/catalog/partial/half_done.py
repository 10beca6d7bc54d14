"""Wrote convolve and the kernels, then stopped: to_uint8 and convolve_color are stubs."""
# base: release
# expect: loses=check_to_uint8
# expect: loses=check_convolve_color
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * kernel)
    return result
# %% kernels
EDGE_DETECTION = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float)
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
BOX_BLUR = np.ones((3, 3)) / 9
