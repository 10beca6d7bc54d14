"""Known-wrong versions of convolve and friends, to name the mistake behind a wrong answer."""

import re

import numpy as np

from convgrade.checks import reference
from convgrade.checks.compare import values_match
from convgrade.contract import Mistake

NEAR_MATCH_SHARE = 0.95


# np.pad modes a "same-size" convolution uses, and the mistake each one is.
PADDING_MISTAKES = {
    "constant": Mistake.ZERO_PADDED_SAME_SIZE,
    "edge": Mistake.EDGE_PADDED_SAME_SIZE,
    "reflect": Mistake.REFLECT_PADDED_SAME_SIZE,
    "symmetric": Mistake.REFLECT_PADDED_SAME_SIZE,
    "wrap": Mistake.WRAP_PADDED_SAME_SIZE,
}
# Mistakes that only change the last digits: a float's side of .5 or of an integer decides
# them, so they need only agree on nearly every pixel (see _reproduces).
ROUNDING_MISTAKES = frozenset(
    {
        Mistake.TRUNCATED_TO_INTEGERS,
        Mistake.ROUNDED,
        Mistake.UINT8_WRAP_AROUND,
        Mistake.CLIPPED,
    }
)


def _same_size(values, image_shape, row, col):
    out = np.zeros(image_shape)
    out[row : row + values.shape[0], col : col + values.shape[1]] = values
    return out


def _padded(image, kernel, mode="constant", placement="centred"):
    """The image's size, computed on a padded image, as np.pad-then-slide code does.

    `placement` says where the first window sits: "centred" pads (kh - 1) // 2 above (the
    rest below), "half" pads kh // 2 on both sides (one too many for an even kernel; the
    student's loop over the image's size drops the extra row), "top-left" pads only below
    and to the right, so output[0, 0] is the window whose corner is the image's corner.
    """
    kh, kw = kernel.shape
    height, width = image.shape
    if placement == "half":
        widths = ((kh // 2, kh // 2), (kw // 2, kw // 2))
    else:
        top, left = (0, 0) if placement == "top-left" else ((kh - 1) // 2, (kw - 1) // 2)
        widths = ((top, kh - 1 - top), (left, kw - 1 - left))
    padded = np.pad(np.asarray(image, dtype=float), widths, mode=mode)
    return reference.convolve(padded, kernel)[:height, :width]


def _with_zeros_after(values, rows, cols):
    """`values` with every row from `rows` and every column from `cols` on left at zero."""
    out = np.array(values, dtype=float)
    out[rows:, :] = 0
    out[:, cols:] = 0
    return out


def _running_totals(right):
    """What a total set to 0 once gives: cumulative sums in the loops' order."""
    yield np.cumsum(right.ravel()).reshape(right.shape)  # once, rows then columns
    yield np.cumsum(right.T.ravel()).reshape(right.T.shape).T  # once, columns then rows
    yield np.cumsum(right, axis=1)  # reset at the start of each row only
    yield np.cumsum(right, axis=0)  # reset at the start of each column only


def convolve_variants(image, kernel):
    """Yield (name, function computing the wrong output) for classic mistakes, likeliest first.

    A name may come more than once, for the different ways code makes that mistake.
    """
    image = np.asarray(image)
    kernel = np.asarray(kernel, dtype=float)
    right = reference.convolve(image, kernel)
    kh, kw = kernel.shape
    height, width = image.shape
    rows, cols = right.shape
    yield Mistake.FLIPPED_KERNEL, lambda: reference.convolve(image, kernel[::-1, ::-1])
    yield Mistake.KERNEL_FLIPPED_UPSIDE_DOWN, lambda: reference.convolve(image, kernel[::-1, :])
    yield Mistake.KERNEL_FLIPPED_LEFT_TO_RIGHT, lambda: reference.convolve(image, kernel[:, ::-1])
    if kh == kw:
        # sum(patch.T * kernel) == sum(patch * kernel.T) for every input: no input tells these
        # two apart, so both are always named together.
        yield Mistake.TRANSPOSED_KERNEL, lambda: reference.convolve(image, kernel.T)
        yield Mistake.PATCH_TRANSPOSED, lambda: reference.convolve(image, kernel.T)
    yield Mistake.TRANSPOSED_OUTPUT, lambda: right.T
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:-1, :-1]
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:-1, :]
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:, :-1]
    # The same loops filling an output of the right size: its last row or column stays zero.
    yield Mistake.OUTPUT_ONE_SHORT, lambda: _with_zeros_after(right, rows - 1, cols - 1)
    yield Mistake.OUTPUT_ONE_SHORT, lambda: _with_zeros_after(right, rows - 1, cols)
    yield Mistake.OUTPUT_ONE_SHORT, lambda: _with_zeros_after(right, rows, cols - 1)
    yield (
        Mistake.SAME_SIZE_ZERO_BORDER,
        lambda: _same_size(right, image.shape, kh // 2, kw // 2),
    )
    yield Mistake.SAME_SIZE_ZERO_BORDER, lambda: _same_size(right, image.shape, 0, 0)
    for mode, name in PADDING_MISTAKES.items():
        for placement in ("centred", "half", "top-left"):
            if placement == "half" and kh % 2 and kw % 2:
                continue  # the same padding as "centred" for an odd kernel
            yield (
                name,
                lambda mode=mode, placement=placement: _padded(image, kernel, mode, placement),
            )
    for total in _running_totals(right):
        yield Mistake.RUNNING_TOTAL_NOT_RESET, lambda total=total: total
    # Kernel loops that stop one early: range(kh - 1), or range(-1, 1) around a 3 x 3 centre.
    if kh > 1 and kw > 1:
        yield (
            Mistake.KERNEL_LOOP_ONE_SHORT,
            lambda: reference.convolve(image, kernel[:-1, :-1])[:rows, :cols],
        )
    if kh > 1:
        yield (
            Mistake.KERNEL_LOOP_ONE_SHORT,
            lambda: reference.convolve(image, kernel[:-1, :])[:rows, :cols],
        )
    if kw > 1:
        yield (
            Mistake.KERNEL_LOOP_ONE_SHORT,
            lambda: reference.convolve(image, kernel[:, :-1])[:rows, :cols],
        )
    # A window one too large, image[r:r + kh + 1, ...], raises a broadcast error unless the
    # kernel is one wide in that direction: then numpy stretches it over the extra row or
    # column. (Named from the error message otherwise: see _window_mistakes.)
    for extra in ((1, 1), (1, 0), (0, 1)):
        if all(k == 1 for k, more in zip(kernel.shape, extra, strict=True) if more):
            yield (
                Mistake.WINDOW_ONE_TOO_LARGE,
                lambda extra=extra: _windows_too_large(image, kernel, extra),
            )
    if kh != kw:
        # Loops over range(k) for both kernel directions with k the smaller size (the larger
        # one raises IndexError): the kernel's square corner, slid over the image.
        side = min(kh, kw)
        yield Mistake.KERNEL_ASSUMED_SQUARE, lambda: reference.convolve(image, kernel[:side, :side])
    if kh >= 3 and kw >= 3 and (kh, kw) != (3, 3):
        yield Mistake.KERNEL_ASSUMED_3X3, lambda: reference.convolve(image, kernel[:3, :3])
    # The image's height used for both loops (or its width): the shorter side's count of
    # positions, either as the output's size or as a loop over a right-sized output.
    if height < width and height - kw + 1 > 0:
        yield Mistake.IMAGE_ASSUMED_SQUARE, lambda: right[:, : height - kw + 1]
        yield Mistake.IMAGE_ASSUMED_SQUARE, lambda: _with_zeros_after(right, rows, height - kw + 1)
    if width < height and width - kh + 1 > 0:
        yield Mistake.IMAGE_ASSUMED_SQUARE, lambda: right[: width - kh + 1, :]
        yield Mistake.IMAGE_ASSUMED_SQUARE, lambda: _with_zeros_after(right, width - kh + 1, cols)
    # Snap float noise first: a student's 60.0000001 and our 59.9999999 both truncate to 60.
    snapped = np.round(right, 6)
    # Within 0..255 a wrap-around changes nothing, so the plainer names come first.
    yield Mistake.TRUNCATED_TO_INTEGERS, lambda: np.trunc(snapped)
    yield Mistake.ROUNDED, lambda: np.rint(snapped)
    yield Mistake.UINT8_WRAP_AROUND, lambda: np.mod(np.trunc(snapped), 256)
    yield Mistake.UINT8_WRAP_AROUND, lambda: np.mod(np.rint(snapped), 256)
    yield Mistake.CLIPPED, lambda: np.clip(right, 0, 255)
    yield Mistake.CLIPPED, lambda: np.clip(np.trunc(snapped), 0, 255)
    yield Mistake.CLIPPED, lambda: np.clip(np.rint(snapped), 0, 255)
    total = kernel.sum()
    if abs(total) > 1e-9 and not np.isclose(total, 1):
        yield Mistake.NORMALISED_BY_KERNEL_SUM, lambda: right / total
    yield Mistake.ABSOLUTE_VALUE, lambda: np.abs(right)
    if kernel.size > 1:
        yield Mistake.MEAN_INSTEAD_OF_SUM, lambda: right / kernel.size


def _windows_too_large(image, kernel, extra):
    """convolve with each window `extra` (rows, columns) larger than a kernel that is one
    wide in those directions, cut short at the image's last rows and columns as slices are:
    numpy stretches the kernel's one row or column over the larger window."""
    (kh, kw), (more_rows, more_cols) = kernel.shape, extra
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    padded = np.pad(np.asarray(image, dtype=float), ((0, more_rows), (0, more_cols)))
    out = np.zeros((rows, cols))
    for i in range(kh + more_rows):
        for j in range(kw + more_cols):
            weight = kernel[min(i, kh - 1), min(j, kw - 1)]
            out += weight * padded[i : i + rows, j : j + cols]
    return out


def _reproduces(actual, candidate, slack=False):
    """Does `candidate` reproduce `actual`? With `slack`, nearly every pixel is enough.

    A student's 59.9999999 truncates to 59 where the reference's 60.0000001 gives 60, so
    the rounding mistakes need only agree on nearly every pixel. No other mistake gets this
    slack: on a photo, zero and edge padding differ only in the thin border.
    """
    if values_match(actual, candidate):
        return True
    if not slack or not np.array_equal(candidate, np.round(candidate)) or candidate.size < 20:
        return False
    agree = np.isclose(actual, candidate, rtol=0, atol=1e-6)
    return bool(np.mean(agree) >= NEAR_MATCH_SHARE)


def diagnose_convolve_all(actual, image, kernel):
    """Every classic mistake that reproduces `actual`, likeliest first (empty if none).

    Several names can fit one output (a transposed patch and a transposed kernel always
    agree; a flip and a transpose agree on some kernels): the feedback says all of them.
    """
    # Every classic mistake is at most the image's size: anything larger is not copied.
    if np.size(actual) > np.size(image) or np.ndim(actual) != 2 or np.ndim(image) != 2:
        return []
    actual = np.asarray(actual, dtype=float)
    right = reference.convolve(image, kernel)
    names, rounded = [], []
    for name, wrong in convolve_variants(image, kernel):
        if name in names:
            continue
        candidate = wrong()
        # An all-zero candidate explains nothing (a result that was never filled in, say),
        # and one equal to the right answer would name a correct result.
        if (
            candidate.shape == actual.shape
            and candidate.any()
            and not values_match(candidate, right)
            and _reproduces(actual, candidate, slack=name in ROUNDING_MISTAKES)
        ):
            if name in ROUNDING_MISTAKES:
                # Within 0..255 a wrap-around or a clip of truncated sums is the truncation
                # itself: the plainer name, found first, is the whole story.
                if any(np.array_equal(candidate, earlier) for earlier in rounded):
                    continue
                rounded.append(candidate)
            names.append(name)
    return names


def diagnose_convolve(actual, image, kernel):
    """The likeliest classic mistake that reproduces `actual`, or None."""
    names = diagnose_convolve_all(actual, image, kernel)
    return names[0] if names else None


def diagnose_convolve_shape_all(shape, image_shape, kernel_shape):
    """Every mistake that gives this wrong output shape, likeliest first."""
    (height, width), (kh, kw) = image_shape[:2], kernel_shape
    right = (height - kh + 1, width - kw + 1)
    candidates = [
        (
            Mistake.OUTPUT_ONE_SHORT,
            {(right[0] - 1, right[1] - 1), (right[0] - 1, right[1]), (right[0], right[1] - 1)},
        ),
        (Mistake.SAME_SIZE_ZERO_BORDER, {(height, width)}),
        (Mistake.TRANSPOSED_OUTPUT, {(right[1], right[0])}),
        (Mistake.KERNEL_ROWS_COLUMNS_SWAPPED, {(height - kw + 1, width - kh + 1)}),
        (
            Mistake.KERNEL_ASSUMED_SQUARE,
            {(height - kh + 1, width - kh + 1), (height - kw + 1, width - kw + 1)},
        ),
        (Mistake.KERNEL_ASSUMED_3X3, {(height - 2, width - 2)}),
        (
            Mistake.IMAGE_ASSUMED_SQUARE,
            {(height - kh + 1, height - kw + 1), (width - kh + 1, width - kw + 1)},
        ),
    ]
    return [name for name, shapes in candidates if tuple(shape) in shapes - {right}]


def diagnose_convolve_shape(shape, image_shape, kernel_shape):
    """The likeliest mistake behind a wrong output shape, or None."""
    names = diagnose_convolve_shape_all(shape, image_shape, kernel_shape)
    return names[0] if names else None


_BROADCAST = re.compile(
    r"operands could not be broadcast together with shapes \((\d+),(\d+)\) \((\d+),(\d+)\)"
)


def _window_mistakes(window, kernel):
    """Mistakes that slice a window of shape `window` to multiply with `kernel`."""
    (wh, ww), (kh, kw) = window, kernel
    if window == kernel:
        return
    if window == (3, 3):  # image[r:r + 3, c:c + 3]: the lesson's kernels are all 3 x 3
        yield Mistake.KERNEL_ASSUMED_3X3
    if (wh, ww) == (kw, kh) and kh != kw:  # image[r:r + kw, c:c + kh], or patch.T
        yield Mistake.KERNEL_ROWS_COLUMNS_SWAPPED
        yield Mistake.PATCH_TRANSPOSED
    # One short: a slice read as including its end (image[r:r + kh - 1]), likelier when both
    # directions are short; or loops one position too far, where the image's edge cuts the
    # window short, and the first window cut is one short in the direction the loop ran over.
    # Both are far more common than the square kernel a window one short may also fit.
    short = (kh - wh, kw - ww)
    if short == (1, 1):
        yield Mistake.WINDOW_ONE_TOO_SMALL
        yield Mistake.LOOPS_PAST_THE_EDGE
    elif short in ((1, 0), (0, 1)):
        yield Mistake.LOOPS_PAST_THE_EDGE
        yield Mistake.WINDOW_ONE_TOO_SMALL
    if wh == ww and kh != kw and wh in (kh, kw):  # image[r:r + kh, c:c + kh]
        yield Mistake.KERNEL_ASSUMED_SQUARE
    # image[y - k // 2:y + k // 2 + 1]: k + 1 wide for an even k, right for an odd one.
    odd = [w == k + 1 if k % 2 == 0 else w == k for w, k in ((wh, kh), (ww, kw))]
    if all(odd):
        yield Mistake.KERNEL_ASSUMED_ODD
    # image[r:r + kh + 1, c:c + kw + 1], in one direction or both, whatever the kernel's size.
    if (wh - kh, ww - kw) in ((1, 1), (1, 0), (0, 1)):
        yield Mistake.WINDOW_ONE_TOO_LARGE


def diagnose_exception_all(error_type, message, image_shape=None, kernel_shape=None):
    """Every mistake that explains an exception from student code, likeliest first.

    `image_shape` and `kernel_shape` are the shapes of the call's image and kernel. They
    tell which operand of a broadcast error is the kernel (code may multiply either way
    round) and which array an index ran off; without them neither error names anything.
    """
    if error_type == "OverflowError" and "uint8" in message:
        return [Mistake.UINT8_WRAP_AROUND]
    if "not allowed in this assignment" in message:  # the sandbox's block on library routines
        return [Mistake.LIBRARY_ROUTINE]
    kernel = tuple(kernel_shape) if kernel_shape is not None and len(kernel_shape) == 2 else None
    image = tuple(image_shape[:2]) if image_shape is not None and len(image_shape) >= 2 else None
    if error_type == "IndexError" and kernel and image:
        return _index_mistakes(message, image, kernel)
    match = _BROADCAST.search(message) if error_type == "ValueError" else None
    if match is None or kernel is None:
        return []
    first, second = tuple(map(int, match.groups()[:2])), tuple(map(int, match.groups()[2:]))
    return list(dict.fromkeys(_broadcast_mistakes(first, second, kernel)))


def _broadcast_mistakes(first, second, kernel):
    """Mistakes behind numpy's "could not be broadcast together with shapes first second"
    when the kernel's shape is known, in whichever order the code multiplied."""
    transposed = kernel[::-1]
    if kernel != transposed and {first, second} == {kernel, transposed}:
        # patch * kernel.T or patch.T * kernel, in either order: numpy's message is the same
        # for both, so the code's order only decides which comes first.
        kernel_first = [Mistake.TRANSPOSED_KERNEL]
        window_first = [Mistake.KERNEL_ROWS_COLUMNS_SWAPPED, Mistake.PATCH_TRANSPOSED]
        return kernel_first + window_first if first == kernel else window_first + kernel_first
    if second == kernel:  # window * kernel, the lesson's order
        return list(_window_mistakes(first, kernel))
    if first == kernel:  # kernel * window
        return list(_window_mistakes(second, kernel))
    return []  # the kernel itself was reshaped or cut: no slicing mistake explains it


_INDEX = re.compile(r"index (\d+) is out of bounds for axis ([01]) with size (\d+)")


def _index_mistakes(message, image, kernel):
    """Mistakes behind numpy's "index i is out of bounds for axis a with size n", from
    which array has size n in that direction: the kernel, the image or the output."""
    match = _INDEX.search(message)
    if match is None:
        return []
    index, reported, size = map(int, match.groups())
    names = []
    # image[r][c] indexes a row, so numpy calls a column "axis 0" too.
    for axis in (0, 1) if reported == 0 else (1,):
        if size == kernel[axis] and size < 3 and index <= 2:
            # offsets range(-1, 2) hard-coded around a centre: a 3 x 3 neighbourhood
            names.append(Mistake.KERNEL_ASSUMED_3X3)
        if size == kernel[axis] and index == size:
            # range(kh + 1) over the kernel's rows; or offsets range(-h, h + 1) around a
            # centre, one too many for an even kernel
            if size % 2 == 0:
                names.append(Mistake.KERNEL_ASSUMED_ODD)
            names.append(Mistake.WINDOW_ONE_TOO_LARGE)
        if size == image[axis]:  # image[r + i, c + j] with r running too far
            names.append(Mistake.LOOPS_PAST_THE_EDGE)
        if size == image[axis] - kernel[axis]:  # an output one short, filled by right loops
            names.append(Mistake.OUTPUT_ONE_SHORT)
    return list(dict.fromkeys(names))


def diagnose_exception(error_type, message, image_shape=None, kernel_shape=None):
    """The likeliest mistake behind an exception from student code, or None."""
    names = diagnose_exception_all(error_type, message, image_shape, kernel_shape)
    return names[0] if names else None


def to_uint8_variants(values):
    """[(name, wrong output)] for classic to_uint8 mistakes on `values`, likeliest first.

    The notebook's visible checks store these outputs for their own inputs
    (tests/tools/known_mistakes.py), as convolve_variants' outputs.
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        return [
            (Mistake.TRUNCATED_INSTEAD_OF_ROUNDED, np.clip(np.trunc(values), 0, 255)),
            (Mistake.ROUNDING_HALF_AWAY_FROM_ZERO, np.clip(np.floor(values + 0.5), 0, 255)),
            (Mistake.WRAPPED_INSTEAD_OF_CLIPPED, np.mod(np.rint(values), 256)),
            (Mistake.WRAPPED_INSTEAD_OF_CLIPPED, np.mod(np.trunc(values), 256)),
            (Mistake.NOT_CLIPPED, np.rint(values)),
        ]


def diagnose_to_uint8(actual, values):
    """The name of the classic to_uint8 mistake that reproduces `actual`, or None."""
    values = np.asarray(values, dtype=float)
    right = reference.to_uint8(values)
    variants = to_uint8_variants(values)
    if np.shape(actual) != values.shape:
        return None
    actual = np.asarray(actual, dtype=float)
    for name, candidate in variants:
        if candidate.shape == actual.shape and not np.array_equal(candidate, right):
            if np.array_equal(actual, candidate):
                return name
    return None
