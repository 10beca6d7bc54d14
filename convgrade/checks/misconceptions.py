"""Known-wrong versions of convolve and friends, to name the mistake behind a wrong answer."""

import numpy as np

from convgrade.checks import reference
from convgrade.checks.compare import values_match
from convgrade.contract import Mistake

NEAR_MATCH_SHARE = 0.95


def _same_size(values, image_shape, row, col):
    out = np.zeros(image_shape)
    out[row : row + values.shape[0], col : col + values.shape[1]] = values
    return out


def _zero_padded(image, kernel, symmetric=False):
    """'same'-style output; `symmetric` pads kh // 2 on both sides, as np.pad usually is."""
    kh, kw = kernel.shape
    top, left = (kh // 2, kw // 2) if symmetric else ((kh - 1) // 2, (kw - 1) // 2)
    bottom, right = (kh // 2, kw // 2) if symmetric else (kh - 1 - top, kw - 1 - left)
    padded = np.pad(np.asarray(image, dtype=float), ((top, bottom), (left, right)))
    return reference.convolve(padded, kernel)


def convolve_variants(image, kernel):
    """Yield (name, function computing the wrong output) for classic mistakes, likeliest first."""
    image = np.asarray(image)
    kernel = np.asarray(kernel, dtype=float)
    right = reference.convolve(image, kernel)
    kh, kw = kernel.shape
    yield Mistake.FLIPPED_KERNEL, lambda: reference.convolve(image, kernel[::-1, ::-1])
    yield Mistake.KERNEL_FLIPPED_UPSIDE_DOWN, lambda: reference.convolve(image, kernel[::-1, :])
    yield Mistake.KERNEL_FLIPPED_LEFT_TO_RIGHT, lambda: reference.convolve(image, kernel[:, ::-1])
    if kh == kw:
        yield Mistake.TRANSPOSED_KERNEL, lambda: reference.convolve(image, kernel.T)
    yield Mistake.TRANSPOSED_OUTPUT, lambda: right.T
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:-1, :-1]
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:-1, :]
    yield Mistake.OUTPUT_ONE_SHORT, lambda: right[:, :-1]
    yield (
        Mistake.SAME_SIZE_ZERO_BORDER,
        lambda: _same_size(right, image.shape, kh // 2, kw // 2),
    )
    yield Mistake.SAME_SIZE_ZERO_BORDER, lambda: _same_size(right, image.shape, 0, 0)
    yield Mistake.ZERO_PADDED_SAME_SIZE, lambda: _zero_padded(image, kernel)
    yield Mistake.ZERO_PADDED_SAME_SIZE, lambda: _zero_padded(image, kernel, symmetric=True)
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


def _reproduces(actual, candidate):
    """Does `candidate` reproduce `actual`? Integer mistakes get slack at float boundaries.

    A student's 59.9999999 truncates to 59 where the reference's 60.0000001 gives 60, so
    integer-valued variants need only agree on nearly every pixel.
    """
    if values_match(actual, candidate):
        return True
    if not np.array_equal(candidate, np.round(candidate)) or candidate.size < 20:
        return False
    agree = np.isclose(actual, candidate, rtol=0, atol=1e-6)
    return bool(np.mean(agree) >= NEAR_MATCH_SHARE)


def diagnose_convolve(actual, image, kernel):
    """The name of the first classic mistake that reproduces `actual`, or None."""
    # Every classic mistake is at most the image's size: anything larger is not copied.
    if np.size(actual) > np.size(image) or np.ndim(actual) != 2:
        return None
    actual = np.asarray(actual, dtype=float)
    right = reference.convolve(image, kernel)
    for name, wrong in convolve_variants(image, kernel):
        candidate = wrong()
        # An all-zero candidate explains nothing (a result that was never filled in, say).
        if (
            candidate.shape == actual.shape
            and candidate.any()
            and not values_match(candidate, right)
        ):
            if _reproduces(actual, candidate):
                return name
    return None


def diagnose_convolve_shape(shape, image_shape, kernel_shape):
    """Name the mistake behind a wrong output shape, or None."""
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
    ]
    for name, shapes in candidates:
        if tuple(shape) in shapes - {right}:
            return name
    return None


def diagnose_exception(error_type, message):
    """Name the mistake behind an exception from student code, or None."""
    if error_type == "OverflowError" and "uint8" in message:
        return Mistake.UINT8_WRAP_AROUND
    if "not allowed in this assignment" in message:  # the sandbox's block on library routines
        return Mistake.LIBRARY_ROUTINE
    return None


def diagnose_to_uint8(actual, values):
    """The name of the classic to_uint8 mistake that reproduces `actual`, or None."""
    values = np.asarray(values, dtype=float)
    right = reference.to_uint8(values)
    with np.errstate(invalid="ignore", over="ignore"):
        variants = [
            (Mistake.TRUNCATED_INSTEAD_OF_ROUNDED, np.clip(np.trunc(values), 0, 255)),
            (Mistake.ROUNDING_HALF_AWAY_FROM_ZERO, np.clip(np.floor(values + 0.5), 0, 255)),
            (Mistake.WRAPPED_INSTEAD_OF_CLIPPED, np.mod(np.rint(values), 256)),
            (Mistake.WRAPPED_INSTEAD_OF_CLIPPED, np.mod(np.trunc(values), 256)),
            (Mistake.NOT_CLIPPED, np.rint(values)),
        ]
    if np.shape(actual) != values.shape:
        return None
    actual = np.asarray(actual, dtype=float)
    for name, candidate in variants:
        if candidate.shape == actual.shape and not np.array_equal(candidate, right):
            if np.array_equal(actual, candidate):
                return name
    return None
