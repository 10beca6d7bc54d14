"""Knock-on failures: colour code judged with the grader's convolve when the student's is wrong.

convolve_color calls the student's convolve, so one mistake in convolve would fail every
colour check too and cost points twice. The scoring rule: a colour check that fails is run
again with the student's convolve replaced, for that one call, by a stand-in that asks the
grader for the reference result of each channel it is given (inside.StandIn: results, one
at a time for exactly this check's channels, never the reference code). If the check then
passes, having asked for every channel, the colour code is right: the check counts as
passed, with a note naming "fix convolve first" and what failed with the student's convolve.
Otherwise the first failure stands, as if nothing had been retried.
"""

import numpy as np

from convgrade.checks import reference
from convgrade.checks.failures import NOTE_PROPERTY, CheckFailure, CheckNote
from convgrade.contract import Mistake
from convgrade.sandbox.inside import stand_in_key


def reference_answers(image, kernel):
    """{stand_in_key(channel, kernel): reference convolve of it} for each channel of `image`."""
    image = np.asarray(image)
    answers = {}
    for c in range(image.shape[2]):
        channel = image[:, :, c]
        answers[stand_in_key(channel, kernel)] = reference.convolve(channel, kernel)
    return answers


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
    stand_in = ("convolve", reference_answers(image, kernel))
    try:
        retried = student.call("convolve_color", image, kernel, stand_in=stand_in)
        check(retried)
    except CheckFailure:
        raise first from None
    if not retried.stand_in_complete:
        # Right without asking the grader's convolve for every channel: not colour code
        # that is right on a right convolve, so nothing to forgive.
        raise first from None
    seen = f" ({first.misconception.value}, it seems)" if first.misconception else ""
    if _hung(student, "convolve_color"):
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
    )
    node.user_properties.append((NOTE_PROPERTY, note))


def _hung(student, name):
    """Whether `name`, called plainly, was stopped at its time limit (`student` is a
    Submission or the StudentProcess itself)."""
    hangs = getattr(getattr(student, "process", student), "hangs", {})
    return (name, False) in hangs
