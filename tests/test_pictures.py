"""Does the comparison picture name its panels, scale its difference and frame every panel?

The picture is read back as pixels: its first LABEL_BAND rows hold the names, the panels
sit below them in grey frames, left to right expected | yours | yours − expected, and the
difference's colour bar follows on the right.
"""

import imageio.v3 as iio
import numpy as np
import pytest

from convgrade.checks.pictures import FRAME, LABEL_BAND, MAX_SIDE, comparison_png

GREY = round(FRAME[0] * 255)


def picture(expected, actual):
    return iio.imread(comparison_png(expected, actual))[..., :3].astype(int)


def panels(image):
    """(left, right) columns of each framed panel, found by its grey top edge."""
    edge = np.all(image[LABEL_BAND] == GREY, axis=1)
    columns = np.flatnonzero(edge)
    breaks = np.flatnonzero(np.diff(columns) > 1)
    starts = [columns[0], *columns[breaks + 1]]
    ends = [*columns[breaks], columns[-1]]
    return list(zip(starts, ends, strict=True))


def inside(image, panel):
    """The pixels inside a panel's frame."""
    left, right = panel
    frame = np.all(image[LABEL_BAND:, left] == GREY, axis=1)
    bottom = LABEL_BAND + np.flatnonzero(frame).max()
    return image[LABEL_BAND + 1 : bottom, left + 1 : right]


@pytest.fixture
def ramp():
    return np.tile(np.linspace(0.0, 255.0, 24), (16, 1))


def test_are_the_three_panels_named(ramp):
    """Each panel has dark text above it, in the label band, and nowhere else is text."""
    image = picture(ramp, ramp + 1)
    found = panels(image)
    assert len(found) == 4  # expected, yours, difference, and the colour bar
    band = image[: LABEL_BAND - 1]
    for left, right in found[:3]:
        assert np.sum(band[:, left:right] < 100) > 20, "no name above a panel"


def test_does_the_difference_use_a_scale_centred_at_zero(ramp):
    """Too high is red, too low is blue, right is white; the bar runs red (top) to blue."""
    actual = ramp.copy()
    actual[:, :8] += 40  # too high on the left
    actual[:, 16:] -= 40  # too low on the right
    image = picture(ramp, actual)
    difference, bar = (inside(image, p) for p in panels(image)[2:])
    width = difference.shape[1]
    high, equal, low = (
        difference[:, s].reshape(-1, 3).mean(axis=0)
        for s in (
            slice(0, width // 3 - 2),
            slice(width // 3 + 2, 2 * width // 3 - 2),
            slice(2 * width // 3 + 2, None),
        )
    )
    assert high[0] > high[2] + 50, f"too high should be red, got {high}"
    assert low[2] > low[0] + 50, f"too low should be blue, got {low}"
    assert equal.min() > 230, f"no difference should be white, got {equal}"
    top, middle, bottom = bar[2].mean(axis=0), bar[len(bar) // 2].mean(axis=0), bar[-3].mean(axis=0)
    assert top[0] > top[2] + 50 and bottom[2] > bottom[0] + 50 and middle.min() > 230


def test_does_the_colour_bar_give_the_largest_difference(ramp):
    """The bar's values are drawn: the picture for ±40 differs from the one for ±41."""
    forty, forty_one = picture(ramp, ramp + 40), picture(ramp, ramp + 41)
    bar = panels(forty)[3]
    values = slice(bar[1] + 1, None)  # the tick labels right of the bar
    assert not np.array_equal(forty[:, values], forty_one[:, values])
    difference = slice(panels(forty)[2][0], bar[0])
    assert np.array_equal(forty[:, difference], forty_one[:, difference])  # same colours


@pytest.mark.parametrize("level", [0.0, 255.0])
def test_is_an_all_black_or_all_white_panel_framed(level):
    """A flat result is drawn in its own colour, with a grey frame that shows where it is."""
    flat = np.full((20, 20), level)
    image = picture(flat, flat + (0.0 if level else 1.0))
    first = panels(image)[0]
    pixels = inside(image, first)
    assert pixels.size and np.all(pixels == (255 if level else 0))
    left, right = first
    assert np.all(image[LABEL_BAND, left : right + 1] == GREY)
    assert np.all(image[LABEL_BAND + 1 : LABEL_BAND + 1 + len(pixels), left] == GREY)


def test_do_the_names_give_both_shapes_when_they_differ(ramp):
    """Two panels, no difference; the names differ with the shapes they report."""
    image = picture(ramp, ramp[:, :-2])
    other = picture(ramp, ramp[:-2, :])
    assert len(panels(image)) == 2
    assert not np.array_equal(image[:LABEL_BAND], other[:LABEL_BAND][:, : image.shape[1]])


def test_is_a_picture_of_large_results_still_bounded():
    big = np.random.default_rng(0).random((2000, 1500))
    height, width = picture(big, big + 1).shape[:2]
    assert height <= LABEL_BAND + MAX_SIDE + 2
    assert width <= 3 * (MAX_SIDE + 2) + 200
