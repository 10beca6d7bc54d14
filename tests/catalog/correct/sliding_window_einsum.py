"""No explicit loops: sliding_window_view builds every window, np.einsum sums the products.

Also a convolve_color that preallocates its output and a to_uint8 that rounds with np.round.
"""
# expect: full-marks
# %% convolve
from numpy.lib.stride_tricks import sliding_window_view


def convolve(image, kernel):
    windows = sliding_window_view(np.asarray(image, dtype=float), kernel.shape)
    return np.einsum("rcij,ij->rc", windows, np.asarray(kernel, dtype=float))
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    h, w, channels = image.shape
    out = np.zeros((h - kh + 1, w - kw + 1, channels))
    for ch in range(channels):
        out[:, :, ch] = convolve(image[:, :, ch], kernel)
    return out
# %% to_uint8
def to_uint8(values):
    rounded = np.round(values)          # np.round also rounds halves to even
    clipped = np.clip(rounded, 0, 255)
    return clipped.astype(np.uint8)
