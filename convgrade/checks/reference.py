"""Trusted reference answers for the assignment; never shipped to students."""

import numpy as np

EDGE_DETECTION = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])
SHARPEN = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
BOX_BLUR = np.full((3, 3), 1.0 / 9.0)

KERNELS = {"EDGE_DETECTION": EDGE_DETECTION, "SHARPEN": SHARPEN, "BOX_BLUR": BOX_BLUR}


def convolve(image, kernel):
    """Slide `kernel` over `image` without flipping it (cross-correlation, 'valid' mode).

    Parameters
    ----------
    image : ndarray of shape (H, W), any real dtype
    kernel : ndarray of shape (kh, kw), 1 <= kh <= H and 1 <= kw <= W

    Returns
    -------
    ndarray of shape (H - kh + 1, W - kw + 1), float64
        ``out[row, col] = sum(image[row:row+kh, col:col+kw] * kernel)``.

    Examples
    --------
    >>> convolve(np.arange(9).reshape(3, 3), np.ones((2, 2))).tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out_rows, out_cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_rows, out_cols))
    # Loop over the kernel's offsets, not the pixels: kh*kw whole-array steps.
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + out_rows, j : j + out_cols]
    return out


def convolve_color(image, kernel):
    """Convolve each channel of an (H, W, C) image independently.

    Parameters
    ----------
    image : ndarray of shape (H, W, C)
    kernel : ndarray of shape (kh, kw)

    Returns
    -------
    ndarray of shape (H - kh + 1, W - kw + 1, C), float64

    Examples
    --------
    >>> convolve_color(np.ones((3, 3, 2)), np.ones((2, 2))).shape
    (2, 2, 2)
    """
    image = np.asarray(image)
    return np.stack([convolve(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)


def to_uint8(values):
    """Round to the nearest integer, clip to [0, 255] and return uint8.

    Parameters
    ----------
    values : array_like of real numbers, any shape

    Returns
    -------
    ndarray of the same shape, uint8

    Examples
    --------
    >>> to_uint8(np.array([-3.0, 0.5, 1.5, 254.6, 300.0])).tolist()
    [0, 0, 2, 255, 255]
    """
    return np.clip(np.rint(np.asarray(values, dtype=np.float64)), 0, 255).astype(np.uint8)
