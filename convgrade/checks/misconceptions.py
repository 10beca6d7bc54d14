"""Known-wrong versions of convolve and friends, to name the mistake behind a wrong answer."""

import numpy as np

from convgrade.checks import reference
from convgrade.checks.compare import values_match

NEAR_MATCH_SHARE = 0.95

# Each name is shown to students and counted in the class report; the hint says what to fix.
HINTS = {
    "flipped kernel": "the kernel was flipped (textbook convolution). In this lesson the kernel "
    "is laid on the image as it is.",
    "kernel flipped upside down": "the kernel's rows were used in reverse order.",
    "kernel flipped left to right": "the kernel's columns were used in reverse order.",
    "transposed kernel": "rows and columns of the kernel were swapped (kernel[j, i] used for "
    "kernel[i, j]).",
    "transposed output": "the output has its rows and columns swapped.",
    "output one short": "the loops stop one position too early: range(H - kh) instead of "
    "range(H - kh + 1).",
    "same-size output with a zero border": "the output has the image's size, with zeros where "
    "the kernel does not fit. Return only the positions "
    "where it fits.",
    "zero-padded same-size output": "the image was padded with zeros so the output keeps its "
    "size. Only positions where the kernel fits entirely count.",
    "kernel rows and columns swapped": "the loops use the kernel's width for rows and its height "
    "for columns.",
    "kernel assumed 3 x 3": "the code assumes a 3 x 3 kernel; use kernel.shape.",
    "kernel assumed square": "the code uses one kernel size for both directions; use both "
    "kernel.shape[0] and kernel.shape[1].",
    "uint8 wrap-around": "the sums were computed or stored as uint8, which wraps around past 255 "
    "and below 0 (and in NumPy 2 a uint8 pixel times a Python int stays "
    "uint8, or raises OverflowError). Convert to float before multiplying.",
    "truncated to integers": "the result was stored in an integer array, which drops the "
    "fractions. Create the output as float.",
    "clipped": "the result was clipped to 0..255. convolve returns the raw sums; clipping "
    "belongs in to_uint8.",
    "rounded": "the result was rounded. convolve returns the raw sums; rounding belongs in "
    "to_uint8.",
    "normalised by the kernel sum": "the sum was divided by the kernel's sum. convolve returns "
    "the plain sum of products.",
    "absolute value": "the result is the absolute value of the right answer; keep the sign.",
    "mean instead of sum": "each window was averaged instead of summed.",
    "input modified": "the function wrote into the array it was given. Work on a copy.",
    "library routine": "a library convolution routine did the work instead of your loops.",
    "channels mixed up": "the colour channels came back in the wrong order or axis.",
    "truncated instead of rounded": "values were cut to integers (astype) without rounding first.",
    "rounding half away from zero": "values at .5 went up; np.rint rounds halves to the even "
    "integer (0.5 to 0, 1.5 to 2).",
    "wrapped instead of clipped": "values outside 0..255 wrapped around instead of being clipped.",
    "not clipped": "values outside 0..255 were not clipped.",
}


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
    yield "flipped kernel", lambda: reference.convolve(image, kernel[::-1, ::-1])
    yield "kernel flipped upside down", lambda: reference.convolve(image, kernel[::-1, :])
    yield "kernel flipped left to right", lambda: reference.convolve(image, kernel[:, ::-1])
    if kh == kw:
        yield "transposed kernel", lambda: reference.convolve(image, kernel.T)
    yield "transposed output", lambda: right.T
    yield "output one short", lambda: right[:-1, :-1]
    yield "output one short", lambda: right[:-1, :]
    yield "output one short", lambda: right[:, :-1]
    yield (
        "same-size output with a zero border",
        lambda: _same_size(right, image.shape, kh // 2, kw // 2),
    )
    yield "same-size output with a zero border", lambda: _same_size(right, image.shape, 0, 0)
    yield "zero-padded same-size output", lambda: _zero_padded(image, kernel)
    yield "zero-padded same-size output", lambda: _zero_padded(image, kernel, symmetric=True)
    # Snap float noise first: a student's 60.0000001 and our 59.9999999 both truncate to 60.
    snapped = np.round(right, 6)
    # Within 0..255 a wrap-around changes nothing, so the plainer names come first.
    yield "truncated to integers", lambda: np.trunc(snapped)
    yield "rounded", lambda: np.rint(snapped)
    yield "uint8 wrap-around", lambda: np.mod(np.trunc(snapped), 256)
    yield "uint8 wrap-around", lambda: np.mod(np.rint(snapped), 256)
    yield "clipped", lambda: np.clip(right, 0, 255)
    yield "clipped", lambda: np.clip(np.trunc(snapped), 0, 255)
    yield "clipped", lambda: np.clip(np.rint(snapped), 0, 255)
    total = kernel.sum()
    if abs(total) > 1e-9 and not np.isclose(total, 1):
        yield "normalised by the kernel sum", lambda: right / total
    yield "absolute value", lambda: np.abs(right)
    if kernel.size > 1:
        yield "mean instead of sum", lambda: right / kernel.size


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
            "output one short",
            {(right[0] - 1, right[1] - 1), (right[0] - 1, right[1]), (right[0], right[1] - 1)},
        ),
        ("same-size output with a zero border", {(height, width)}),
        ("transposed output", {(right[1], right[0])}),
        ("kernel rows and columns swapped", {(height - kw + 1, width - kh + 1)}),
        (
            "kernel assumed square",
            {(height - kh + 1, width - kh + 1), (height - kw + 1, width - kw + 1)},
        ),
        ("kernel assumed 3 x 3", {(height - 2, width - 2)}),
    ]
    for name, shapes in candidates:
        if tuple(shape) in shapes - {right}:
            return name
    return None


def diagnose_exception(error_type, message):
    """Name the mistake behind an exception from student code, or None."""
    if error_type == "OverflowError" and "uint8" in message:
        return "uint8 wrap-around"
    if "not allowed in this assignment" in message:  # the sandbox's block on library routines
        return "library routine"
    return None


def diagnose_to_uint8(actual, values):
    """The name of the classic to_uint8 mistake that reproduces `actual`, or None."""
    values = np.asarray(values, dtype=float)
    right = reference.to_uint8(values)
    with np.errstate(invalid="ignore", over="ignore"):
        variants = [
            ("truncated instead of rounded", np.clip(np.trunc(values), 0, 255)),
            ("rounding half away from zero", np.clip(np.floor(values + 0.5), 0, 255)),
            ("wrapped instead of clipped", np.mod(np.rint(values), 256)),
            ("wrapped instead of clipped", np.mod(np.trunc(values), 256)),
            ("not clipped", np.rint(values)),
        ]
    if np.shape(actual) != values.shape:
        return None
    actual = np.asarray(actual, dtype=float)
    for name, candidate in variants:
        if candidate.shape == actual.shape and not np.array_equal(candidate, right):
            if np.array_equal(actual, candidate):
                return name
    return None
