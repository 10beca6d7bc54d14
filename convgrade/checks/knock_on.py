"""Knock-on failures: colour code judged with the grader's convolve when the student's is wrong.

convolve_color calls the student's convolve, so one mistake in convolve would fail every
colour check too and cost points twice. The scoring rule: a colour check that fails is run
again with the student's convolve replaced, for that one call, by a stand-in that asks the
grader for the reference result of each channel it is given (inside.StandIn: results, one
at a time for exactly this check's channels, never the reference code). If the check then
passes, having asked for every channel, the colour code is right. Otherwise the first
failure stands, as if nothing had been retried.

Right colour code on a wrong result is forgiven only where the mistake is convolve's own,
the one convolve's checks make it pay for. Two tests make sure it is:
- The student's convolve is called once more on each channel alone, as a new array (as
  convolve's own checks pass theirs), in the image's dtype and in each other dtype colour
  code may convert channels to first, and the grader stacks the results. If the check
  passes on all of them, convolve goes wrong only as convolve_color calls it: on
  image[:, :, c], which is a view, or called again before its last result is used. The
  check fails, naming that mistake. If not, the check counts as passed, with a note naming
  "fix convolve first" and what failed with the student's convolve.
- Once every check has run, `settle` fails the forgiven checks after all if no check of
  the student's own convolve failed: a mistake costs points once, never zero times.
Time stops skip both tests: slowness that adds up over the channels is no wrong result,
and calling a hanging convolve again would spend its time limit again. A call refused
without running (convolve_color barred after it ended the process twice) skips the first:
no colour code ran on that input, so only `settle` applies to it.
"""

import dataclasses

import numpy as np

from convgrade.checks import reference
from convgrade.checks.failures import (
    MAX_MESSAGE,
    NOTE_PROPERTY,
    CheckFailure,
    CheckNote,
    clean_text,
)
from convgrade.contract import Mistake
from convgrade.sandbox.student_process import CallResult, Returned

# What colour code converts channels to before calling convolve, besides leaving them be.
PROBE_DTYPES = ("float64", "int64", "float32")


# How closely an input the stand-in is given must match one of the check's own, once
# transposed, flipped, scaled or offset: relative to how much the channel varies, far below
# any change that alters the answer the check compares (see `_fit`).
MATCH_TOLERANCE = 1e-6
# Two of float32's units in the last place, relative to a value.
FLOAT32_ROUNDING = 2.0**-22
# The symmetries of the pixel grid: the reference's sums (no padding, no flip) commute with
# each, applied to the channel and the kernel together.
GRID_SYMMETRIES = (
    lambda a: a,
    np.transpose,
    np.flipud,
    np.fliplr,
    lambda a: np.flipud(np.fliplr(a)),
    lambda a: np.flipud(a.T),
    lambda a: np.fliplr(a.T),
    lambda a: np.flipud(np.fliplr(a.T)),
)


class ReferenceAnswers:
    """The grader's answers for one colour check: the reference convolve of each channel of
    the image with the kernel. Asked with an image and a kernel, it answers only one of
    those channels with that kernel, as they are or in a form that determines the answer:
    both under the same symmetry of the grid (colour code that convolves transposed
    channels with the transposed kernel), each scaled (the image divided by 255 first, a
    float32 copy), the image offset (centred on zero). Since the reference is linear in each
    argument and commutes with the grid's symmetries, each answer is exactly the reference
    result for the arrays given: the stand-in never says anything false about them, and it
    answers nothing beyond the check's own channels.
    """

    def __init__(self, image, kernel):
        image = np.asarray(image)
        kernel = np.asarray(kernel, dtype=np.float64)
        self.entries = []  # (channel, kernel, reference result)
        for c in range(image.shape[2]):
            channel = np.asarray(image[:, :, c], dtype=np.float64)
            self.entries.append((channel, kernel, reference.convolve(channel, kernel)))
        # A larger input matches no channel: refused before any work on it, and before its
        # bytes are parsed (a float64 channel as np.save writes it, with room for the header).
        self._largest = image.shape[0] * image.shape[1]
        self.largest_ask_bytes = 8 * self._largest + 4096

    def __len__(self):
        return len(self.entries)

    def answer(self, image, kernel):
        """(the channels matched, the reference result for `image` and `kernel`), or None
        when they are none of the check's channels with its kernel, in any form above.

        Every channel they match is counted as asked (two channels may be the same, or one
        the other transposed), and all give the same result: the reference's for the arrays
        given."""
        image, kernel = np.asarray(image), np.asarray(kernel)
        if image.ndim != 2 or kernel.ndim != 2 or image.size > self._largest:
            return None
        if image.dtype.kind not in "biuf" or kernel.dtype.kind not in "biuf":
            return None
        image, kernel = image.astype(np.float64), kernel.astype(np.float64)
        if not (np.isfinite(image).all() and np.isfinite(kernel).all()):
            return None
        matched, answer = set(), None
        for index, (channel, own_kernel, result) in enumerate(self.entries):
            for symmetry in GRID_SYMMETRIES:
                moved_kernel, moved_channel = symmetry(own_kernel), symmetry(channel)
                if moved_kernel.shape != kernel.shape or moved_channel.shape != image.shape:
                    continue
                kernel_fit = _fit(kernel, moved_kernel, offset=False)
                image_fit = _fit(image, moved_channel, offset=True) if kernel_fit else None
                if image_fit is None:
                    continue
                (kernel_scale, _), (image_scale, image_offset) = kernel_fit, image_fit
                if answer is None:
                    with np.errstate(all="ignore"):
                        answer = symmetry(result) * (image_scale * kernel_scale)
                        answer = answer + image_offset * kernel_scale * moved_kernel.sum()
                    if not np.isfinite(answer).all():
                        return None  # scales that overflow: no answer for anyone
                matched.add(index)
                break
        return (matched, answer) if matched else None


def _fit(given, own, offset):
    """(a, c) with `given` = a * `own` + c, or None.

    The misfit allowed is MATCH_TOLERANCE of what `own` varies by once scaled, plus float32's
    rounding of `given` (a float32 copy of a bright, nearly flat channel). An offset may be
    as large as the scaled values (centring on zero), no larger: an offset of 1e12 made any
    array fit every channel within a tolerance of its values (red team). c is 0 without
    `offset`. `a` is never 0 for an `own` that is not constant (all zeros without
    `offset`), so a constant array matches only a constant one; nothing that overflows
    matches."""
    with np.errstate(all="ignore"):
        own_mean, given_mean = (own.mean(), given.mean()) if offset else (0.0, 0.0)
        spread = own - own_mean
        norm = float((spread * spread).sum())
        scaled = float(np.abs(own).max())
        if norm == 0.0:
            a = 0.0 if offset else 1.0
            varies = float(np.abs(given).max())  # `own` is constant: so must `given` be
        else:
            a = float(((given - given_mean) * spread).sum()) / norm
            varies = abs(a) * float(np.abs(spread).max())
            scaled *= abs(a)
        c = float(given_mean - a * own_mean) if offset else 0.0
        misfit = float(np.abs(given - (a * own + c)).max())
        allowed = MATCH_TOLERANCE * varies + FLOAT32_ROUNDING * float(np.abs(given).max())
    if not all(np.isfinite(x) for x in (a, c, varies, misfit, allowed)):
        return None
    if norm and (a == 0.0 or abs(c) > 2 * scaled):
        return None
    if misfit > max(allowed, 1e-300):
        return None
    return a, c


def judge_color(student, image, kernel, check, call, node):
    """Check convolve_color(image, kernel) as called; on failure, again with the grader's convolve.

    Parameters
    ----------
    student : Submission
    image : ndarray of shape (H, W, C)
    kernel : ndarray of shape (kh, kw)
    check : callable
        Takes the CallResult and raises CheckFailure if it is wrong.
    call : str
        How messages name the call ("convolve_color on a (6, 7, 4) ...").
    node : pytest.Item
        The check's test item (``request.node``): its user_properties carry the note of a
        forgiven knock-on to the runner (pytest's record_property lives in the junitxml
        plugin, which the runner turns off).
    """
    try:
        check(student.call("convolve_color", image, kernel))
        return
    except CheckFailure as failure:
        if failure.misconception is Mistake.LIBRARY_ROUTINE:
            # A library routine reached from convolve_color is refused whichever function
            # holds it; the static scan cannot tell the colour code's share apart.
            raise
        first = failure
    stand_in = ("convolve", ReferenceAnswers(image, kernel))
    try:
        retried = student.call("convolve_color", image, kernel, stand_in=stand_in)
        check(retried)
    except CheckFailure:
        raise first from None
    if not retried.stand_in_complete:
        # Right without asking the grader's convolve for every channel: not colour code
        # that is right on a right convolve, so nothing to forgive.
        raise first from None
    hung = _hung(student, "convolve_color")
    # A call refused at once (barred by an earlier hang or crashes) ran no colour code on
    # this input, so what convolve does alone here cannot tell where the mistake is.
    ran = getattr(first, "called", True)
    if not hung and ran and _right_alone(student, image, kernel, check):
        raise CheckFailure(
            _after_all(
                "Your convolve is right on each channel passed alone, as a new array, but goes "
                "wrong as convolve_color calls it, so this check fails.",
                first,
            ),
            misconception=Mistake.CONVOLVE_WRONG_ON_CHANNELS,
        ) from None
    seen = seen_mistake(first.misconception) if first.misconception else ""
    if hung:
        # It finished with the stand-in, so what never ended was the student's convolve.
        # The plain call is stopped once at its time limit and refused at once after that;
        # each retry answers from reference results, so the hang still costs one limit.
        said = (
            "With your convolve it did not finish, so the loop that does not end is in "
            f"your convolve: {first.message} A hanging convolve costs its time limit once; "
            "every later colour check is judged at once with the grader's convolve."
        )
    elif getattr(first, "ended_process", False):
        # It finished with the stand-in, so what ended the process was the student's convolve.
        said = (
            "With your convolve it stopped the grader's run of your code, so what ends it is "
            f"in your convolve: {first.message}"
        )
    else:
        said = f"With your convolve it fails{seen}: {first.message}"
    note = CheckNote(
        f"{call} is right with the grader's convolve in place of yours, so this check "
        f"counts as passed. {said}",
        Mistake.FIX_CONVOLVE_FIRST,
        # A time stop is not a wrong result: a convolve right and within its limit on each
        # channel may still take convolve_color past its own, and so lose nothing here.
        failure=None if hung else first,
    )
    node.user_properties.append((NOTE_PROPERTY, note))


def _right_alone(student, image, kernel, check):
    """Whether `check` passes on the student's convolve of each channel of `image`, each
    passed alone as a new array and the results stacked by the grader (the input's
    channels too, as convolve left them), in every dtype colour code may convert the
    channels to first: the image's own and each of PROBE_DTYPES that keeps its values.

    A mistake of convolve's own shows in one of them at least: colour code that converts
    to int first meets a convolve that keeps its input's dtype as an int array, whatever
    the image's dtype (red team: probing the image's dtype alone charged it twice). A
    channel with no answer (an exception, or no array of the right shape) ends the search:
    convolve is wrong alone."""
    process = getattr(student, "process", student)  # the grader's call, not the check's
    (height, width), (kh, kw) = image.shape[:2], kernel.shape
    expected_shape = (height - kh + 1, width - kw + 1)
    for dtype in _probe_dtypes(image):
        results, inputs_after = [], []
        for c in range(image.shape[2]):
            try:
                called = process.call("convolve", np.array(image[:, :, c], dtype=dtype), kernel)
            except CheckFailure:
                return False
            value = called.value
            if not value.is_ndarray or value.array.shape != expected_shape:
                return False  # never stacks a huge or ragged result
            results.append(value.array)
            inputs_after.append(called.args_after[0])
        stacked = CallResult(
            Returned("ndarray", np.stack(results, axis=2)),
            args_after=[np.stack(inputs_after, axis=2), kernel],
        )
        try:
            check(stacked)
        except CheckFailure:
            return False
    return True


def _probe_dtypes(image):
    """The image's own dtype, then each of PROBE_DTYPES that holds its values exactly."""
    dtypes = [image.dtype]
    for dtype in map(np.dtype, PROBE_DTYPES):
        if dtype not in dtypes and np.array_equal(image.astype(dtype), image):
            dtypes.append(dtype)
    return dtypes


def _after_all(reason, first):
    """A forgiven check's failure message: the reason first, so the message cap never cuts
    it, then the first failure. The colour code's diagnosis is left out: with the grader's
    convolve the colour code is right."""
    return clean_text(f"{reason} With your convolve: {first.message}", MAX_MESSAGE)


def seen_mistake(mistake):
    """How a forgiven check's note names the mistake its failure fits best."""
    return f" ({mistake.value}, it seems)"


def settle(results):
    """`results` (runner.CheckResult, every check of one run) with each forgiven knock-on
    failed after all when no check of the student's own convolve failed."""
    if any(not result.passed and "convolve" in result.called for result in results):
        return results
    return [_unforgiven(result) if result.forgiven else result for result in results]


def _unforgiven(result):
    message = _after_all(
        "Your convolve passes its own checks but goes wrong as convolve_color calls it, so "
        "this check fails here.",
        result.forgiven,
    )
    return dataclasses.replace(
        result,
        passed=False,
        message=message,
        misconception=Mistake.CONVOLVE_WRONG_ON_CHANNELS,
        also=(),
        forgiven=None,
    )


def _hung(student, name):
    """Whether `name`, called plainly, was stopped at its time limit (`student` is a
    Submission or the StudentProcess itself)."""
    hangs = getattr(getattr(student, "process", student), "hangs", {})
    return (name, False) in hangs
