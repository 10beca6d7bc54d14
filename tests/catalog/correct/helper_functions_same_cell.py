"""Splits the work into small helper functions defined in the same cell as convolve."""
# expect: full-marks
# %% convolve
def output_size(image_shape, kernel_shape):
    return image_shape[0] - kernel_shape[0] + 1, image_shape[1] - kernel_shape[1] + 1


def window_at(image, row, col, kernel_shape):
    return image[row:row + kernel_shape[0], col:col + kernel_shape[1]]


def multiply_and_add(window, kernel):
    return np.sum(window.astype(float) * kernel.astype(float))


def convolve(image, kernel):
    """Slide kernel over image (no flipping)."""
    rows, cols = output_size(image.shape, kernel.shape)
    result = np.zeros((rows, cols), dtype=float)
    for row in range(rows):
        for col in range(cols):
            result[row, col] = multiply_and_add(window_at(image, row, col, kernel.shape), kernel)
    return result
