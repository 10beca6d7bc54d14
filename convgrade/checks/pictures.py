"""Feedback pictures: the expected image, the student's, and where they differ."""

import io
from pathlib import Path

import imageio.v3 as iio
import numpy as np

GAP = 10  # pixels of white between panels
MIN_SIDE = 160  # small results are enlarged to at least this many pixels tall
MAX_SIDE = 512  # larger panels are shown every n-th pixel, so a picture costs a few MB at most
LABEL_BAND = 20  # pixels above the panels for their names
FONT_PIXELS = 12
FRAME = (0.6, 0.6, 0.6)  # mid grey: visible around an all-white and an all-black panel
BAR_WIDTH = 12  # the difference's colour scale
# Diverging, white at zero: red where the student's value is higher, blue where lower.
DIFFERENCE_MAP = "RdBu_r"


def comparison_png(expected, actual):
    """PNG bytes: expected | yours | yours − expected, each named and framed.

    The difference is signed, on a diverging colour scale centred at zero, with a colour
    bar giving its range. When the shapes differ there is no difference panel, and the
    names give each shape.

    Drawn with numpy, a matplotlib colormap and FreeType for the names rather than a
    matplotlib figure: a failing check costs a few milliseconds, not a tenth of a second.

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

    expected_shape, actual_shape = np.shape(expected), np.shape(actual)
    expected = _as_gray(expected)
    actual = _as_gray(actual)
    low, high = _gray_range(expected, actual)
    gray = colormaps["gray"]
    panels = [gray(_scale(expected, low, high)), gray(_scale(actual, low, high))]
    if expected.shape == actual.shape:
        names = ["expected", "yours", "yours − expected"]
        difference = actual - expected
        reach = float(np.max(np.abs(difference))) if difference.size else 0.0
        signed = 0.5 + difference / (2 * reach) if reach > 0 else np.full_like(difference, 0.5)
        panels.append(colormaps[DIFFERENCE_MAP](signed))
    else:
        names = [f"expected {_shape_text(expected_shape)}", f"yours {_shape_text(actual_shape)}"]
        reach = None
    height = max(1, max(p.shape[0] for p in panels))
    width = max(1, max(p.shape[1] for p in panels))
    zoom = max(1, min(-(-MIN_SIDE // height), MAX_SIDE // width))
    columns = []
    for panel, name in zip(panels, names, strict=True):
        panel = np.repeat(np.repeat(panel[..., :3], zoom, axis=0), zoom, axis=1)
        columns.append(_column(_framed(panel), _text(name), height * zoom + 2))
    if reach is not None:
        columns.append(_colour_bar(colormaps[DIFFERENCE_MAP], reach, height * zoom + 2))
    gap = np.ones((LABEL_BAND + height * zoom + 2, GAP, 3))
    blocks = [block for column in columns for block in (column, gap)][:-1]
    picture = np.concatenate(blocks, axis=1)
    buffer = io.BytesIO()
    iio.imwrite(buffer, (picture * 255 + 0.5).astype(np.uint8), extension=".png")
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


def _gray_range(expected, actual):
    """Black and white levels: the expected image's 1st and 99th percentiles.

    A flat expected image (an all-white result) borrows the student's range too, so it
    is not drawn black; a flat pair is white if its value is positive, black otherwise.
    """
    both = np.concatenate([expected.ravel(), actual.ravel()])
    for values in (expected, both):
        if values.size:
            low, high = np.percentile(values, [1, 99])
            if high > low:
                return low, high
    level = float(both[0]) if both.size else 0.0
    return (level - 1, level) if level > 0 else (level, level + 1)


def _scale(values, low, high):
    return np.clip((values - low) / (high - low), 0, 1) if high > low else np.zeros_like(values)


def _shape_text(shape):
    return "×".join(str(n) for n in shape)


def _framed(panel):
    """The panel inside a one-pixel FRAME."""
    framed = np.empty((panel.shape[0] + 2, panel.shape[1] + 2, 3))
    framed[:] = FRAME
    framed[1:-1, 1:-1] = panel
    return framed


def _column(panel, label, height):
    """A label above a panel, on white, `height` pixels of panel room tall."""
    width = max(panel.shape[1], label.shape[1])
    column = np.ones((LABEL_BAND + height, width, 3))
    _paste_text(column, label, top=0, left=0)
    column[LABEL_BAND : LABEL_BAND + panel.shape[0], : panel.shape[1]] = panel
    return column


def _colour_bar(colormap, reach, height):
    """A vertical colour bar from +reach (top) to −reach (bottom), with its three values."""
    steps = np.linspace(1.0, 0.0, max(2, height - 2))[:, None]
    bar = _framed(np.repeat(colormap(steps)[:, :, :3], BAR_WIDTH, axis=1))
    ticks = [_text(f"+{reach:.3g}"), _text("0"), _text(f"−{reach:.3g}")]
    width = bar.shape[1] + 4 + max(t.shape[1] for t in ticks)
    column = np.ones((LABEL_BAND + height, width, 3))
    column[LABEL_BAND : LABEL_BAND + bar.shape[0], : bar.shape[1]] = bar
    left = bar.shape[1] + 4
    # Top, middle and bottom of the bar (a label's glyphs sit in the middle of its band).
    rows = [LABEL_BAND - 4, (LABEL_BAND + height) // 2, height]
    for tick, top in zip(ticks, rows, strict=True):
        _paste_text(column, tick, top=top, left=left)
    return column


def _text(text):
    """`text` as a coverage mask (0 = paper, 1 = ink), LABEL_BAND pixels tall."""
    from matplotlib import get_data_path
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(Path(get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"))
    font.set_size(FONT_PIXELS, 72)  # points at 72 dpi: FONT_PIXELS pixels to the em
    font.set_text(text, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    glyphs = np.asarray(font.get_image(), dtype=float) / 255
    mask = np.zeros((LABEL_BAND, glyphs.shape[1] + 2))
    # Sit every label on one baseline, whatever its ascenders and descenders.
    baseline = LABEL_BAND - 5
    top = max(0, baseline - (glyphs.shape[0] - font.get_descent() // 64))
    rows = min(glyphs.shape[0], LABEL_BAND - top)
    mask[top : top + rows, 1 : 1 + glyphs.shape[1]] = glyphs[:rows]
    return mask


def _paste_text(canvas, mask, top, left):
    """Darken `canvas` (RGB on white) with the text `mask` at (top, left), clipped to fit."""
    rows = min(mask.shape[0], canvas.shape[0] - top)
    cols = min(mask.shape[1], canvas.shape[1] - left)
    region = canvas[top : top + rows, left : left + cols]
    region *= 1 - mask[:rows, :cols, None]
