"""Feedback pictures: the expected image, the student's, and where they differ."""

import io

import imageio.v3 as iio
import numpy as np

GAP = 6  # pixels of white between panels
MIN_SIDE = 160  # small results are enlarged to at least this many pixels tall
MAX_SIDE = 512  # larger panels are shown every n-th pixel, so a picture costs a few MB at most


def comparison_png(expected, actual):
    """PNG bytes: expected | yours | difference heat map (just the first two if shapes differ).

    Drawn with numpy and a matplotlib colormap rather than a matplotlib figure: a failing
    check costs a few milliseconds, not a tenth of a second.

    Parameters
    ----------
    expected, actual : ndarray of shape (H, W) or (H, W, C)
        Colour results are shown by their channel mean. Each panel is at most MAX_SIDE
        pixels a side (every n-th pixel of a larger one): `actual` comes from student
        code and may be any size the reply cap allows.

    Examples
    --------
    >>> comparison_png(np.zeros((4, 4)), np.ones((4, 4)))[:4]
    b'\\x89PNG'
    """
    from matplotlib import colormaps

    expected = _as_gray(expected)
    actual = _as_gray(actual)
    low, high = np.percentile(expected, [1, 99]) if expected.size else (0.0, 1.0)
    gray = colormaps["gray"]
    panels = [gray(_scale(expected, low, high)), gray(_scale(actual, low, high))]
    if expected.shape == actual.shape:
        difference = np.abs(actual - expected)
        panels.append(colormaps["magma"](_scale(difference, 0.0, np.max(difference))))
    height = max(1, max(p.shape[0] for p in panels))
    width = max(1, max(p.shape[1] for p in panels))
    zoom = max(1, min(-(-MIN_SIDE // height), MAX_SIDE // width))
    blocks = []
    for panel in panels:
        panel = np.repeat(np.repeat(panel, zoom, axis=0), zoom, axis=1)
        padded = np.ones((height * zoom, panel.shape[1] + GAP, 4))
        padded[: panel.shape[0], : panel.shape[1]] = panel
        blocks.append(padded)
    picture = np.concatenate(blocks, axis=1)[:, :-GAP, :3]
    buffer = io.BytesIO()
    iio.imwrite(buffer, (picture * 255).astype(np.uint8), extension=".png")
    return buffer.getvalue()


def _as_gray(image):
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        image = np.zeros((1, 1))
    # Thin out first: a huge student result is never converted to floats whole.
    steps = [max(1, -(-n // MAX_SIDE)) for n in image.shape[:2]]
    image = np.asarray(image[:: steps[0], :: steps[1]], dtype=float)
    image = image.mean(axis=2) if image.ndim == 3 else image
    return np.where(np.isfinite(image), image, 0.0)


def _scale(values, low, high):
    return np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)
