"""Feedback pictures: the expected image, the student's, and where they differ."""

import io

import numpy as np


def comparison_png(expected, actual, title):
    """PNG bytes: expected | yours | difference heat map (or just the two, if shapes differ).

    Parameters
    ----------
    expected, actual : ndarray of shape (H, W) or (H, W, C)
    title : str
        What was computed, e.g. "edge detection on a 64 x 64 photo".
    """
    from matplotlib.figure import Figure  # imported late: only failing image checks pay for it

    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    same_shape = expected.shape == actual.shape
    panels = 3 if same_shape else 2
    figure = Figure(figsize=(3.3 * panels, 3.2), dpi=72)
    axes = figure.subplots(1, panels)
    low, high = np.percentile(expected, [1, 99]) if expected.size else (0, 1)
    for ax, image, label in ((axes[0], expected, "expected"), (axes[1], actual, "yours")):
        shown = _as_gray(image)
        finite = np.where(np.isfinite(shown), shown, low)
        ax.imshow(finite, cmap="gray", vmin=low, vmax=max(high, low + 1e-9))
        ax.set_title(f"{label} {tuple(image.shape)}")
    if same_shape:
        difference = np.abs(_as_gray(actual) - _as_gray(expected))
        difference = np.where(np.isfinite(difference), difference, np.nanmax(difference[
            np.isfinite(difference)], initial=1.0))
        heat = axes[2].imshow(difference, cmap="magma")
        figure.colorbar(heat, ax=axes[2], fraction=0.046)
        axes[2].set_title("|yours - expected|")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _as_gray(image):
    """Colour results are shown by their channel mean: enough to see where they differ."""
    return image.mean(axis=2) if image.ndim == 3 else image
