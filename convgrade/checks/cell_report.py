"""Turn a group's check results into a test cell's outputs: a readable report and a score.

nbgrader scores a test cell from its outputs (nbgrader.utils.determine_grade): a number
as the last expression's value is partial credit. The outputs written here are therefore
the only thing the gradebook sees, and nothing from the student's kernel survives in them.
"""

import base64
import html

from convgrade.checks.runner import score
from convgrade.outputs import new_output

MAX_MESSAGES = 4
# Notes of passed checks shown: the knock-on notes of one cell all say much the same.
MAX_NOTES = 2


def cell_outputs(group, points):
    """Outputs for a graded test cell: a report (HTML and text) then the score as a number.

    Parameters
    ----------
    group : convgrade.checks.runner.GroupResult
    points : float
        The cell's maximum score.

    Returns
    -------
    list of NotebookNode outputs
    """
    earned = score(group, points)
    total = len(group.results)
    failures = group.failures
    notes = group.notes
    if failures:
        headline = (
            f"✗ {len(failures)} of {total} hidden checks failed: {earned:g} / {points:g} points"
        )
    else:
        headline = f"✓ all {total} hidden checks passed: {earned:g} / {points:g} points"
    lines = [headline] + [_text_line(f) for f in failures[:MAX_MESSAGES]]
    if len(failures) > MAX_MESSAGES:
        lines.append(f"... and {len(failures) - MAX_MESSAGES} more failed checks.")
    lines += [f"  - passed, with a note: {_text_line(n).lstrip(' -')}" for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        lines.append(f"... and {len(notes) - MAX_NOTES} more passed with the same kind of note.")
    lines += [f"How to fix {m.value}: {m.hint}" for m in _mistakes(failures)]
    # A note's name is already advice ("fix convolve first"), so it is not "how to fix" it.
    lines += [
        f"About {m.value}: {m.hint}" for m in _mistakes(notes) if m not in _mistakes(failures)
    ]
    report = new_output(
        "display_data",
        data={
            "text/plain": "\n".join(lines),
            "text/html": _html(headline, failures, notes),
        },
    )
    result = new_output("execute_result", data={"text/plain": repr(earned)}, execution_count=None)
    return [report, result]


def _mistakes(failures):
    """Each named mistake once, in the order they first appear, with the others that give
    the very same result (a result's `also`): each gets its "how to fix"."""
    names = (m for f in failures for m in (f.misconception, *getattr(f, "also", ())) if m)
    return list(dict.fromkeys(names))


def _text_line(failure):
    name = f"[{failure.misconception.value}] " if failure.misconception else ""
    return f"  - {name}{failure.message}"


def _html(headline, failures, notes=()):
    color = "#b3261e" if failures else "#1e7b34"
    parts = [
        f'<div class="convgrade-feedback"><p style="color:{color};font-weight:bold">'
        f"{html.escape(headline)}</p>"
    ]
    if failures:
        parts.append("<ul>")
        for failure in failures[:MAX_MESSAGES]:
            tag = (
                f"<b>Likely mistake: {html.escape(failure.misconception.value)}.</b> "
                if failure.misconception
                else ""
            )
            parts.append(f"<li>{tag}{html.escape(failure.message)}</li>")
        if len(failures) > MAX_MESSAGES:
            parts.append(f"<li>... and {len(failures) - MAX_MESSAGES} more failed checks.</li>")
        parts.append("</ul>")
        for mistake in _mistakes(failures):
            parts.append(
                f"<p><b>How to fix {html.escape(mistake.value)}:</b> "
                f"{html.escape(mistake.hint)}</p>"
            )
    if notes:
        parts.append("<ul>")
        for note in notes[:MAX_NOTES]:
            parts.append(
                f"<li><b>Passed, with a note: {html.escape(note.misconception.value)}.</b> "
                f"{html.escape(note.message)}</li>"
            )
        if len(notes) > MAX_NOTES:
            parts.append(
                f"<li>... and {len(notes) - MAX_NOTES} more passed with the same kind of note.</li>"
            )
        parts.append("</ul>")
        for mistake in _mistakes(notes):
            if mistake not in _mistakes(failures):
                parts.append(
                    f"<p><b>About {html.escape(mistake.value)}:</b> {html.escape(mistake.hint)}</p>"
                )
    if failures:
        picture = next((f.picture for f in failures if f.picture), None)
        if picture:
            encoded = base64.b64encode(picture).decode()
            parts.append(
                f'<figure><img alt="expected, yours and their difference" '
                f'src="data:image/png;base64,{encoded}"/><figcaption>Left to right: '
                "expected, yours, and yours minus expected (red where yours is higher, "
                "blue where it is lower, white where they agree).</figcaption></figure>"
            )
    parts.append("</div>")
    return "".join(parts)


def unchecked_outputs(reason):
    """Outputs for a graded cell the hidden checks could not score: zero, with the reason."""
    report = new_output(
        "display_data",
        data={
            "text/plain": f"✗ not graded automatically: {reason}",
            "text/html": f'<p style="color:#b3261e"><b>Not graded automatically:</b> '
            f"{html.escape(reason)}</p>",
        },
    )
    return [report, new_output("execute_result", data={"text/plain": "0.0"}, execution_count=None)]
