"""The records the grader keeps in autograded notebooks: one key, removed at intake, read typed.

The grader writes its findings under the ``convgrade`` key of an autograded notebook's
metadata (repairs, crashes, forbidden calls, ...) and of each test cell's metadata (the
hidden checks' outcomes). A submission could carry that key too, so
``strip_submitted_records`` removes it everywhere when a submission is taken in (both
grading paths run RepairSubmission), and ``read_records`` reads only fields of the expected
type and size. A malformed record is ignored with a one-line reason, never a crash.

A new kind of record is read only once its field is listed in ``NOTEBOOK_FIELDS`` below.
"""

import math
import secrets
from dataclasses import dataclass, field

from convgrade.checks.misconceptions import HINTS

KEY = "convgrade"
MAX_ITEMS = 500
MAX_TEXT = 4000
MAX_NAME = 200
# Marks a stand-in notebook made by this grading process (exporter.placeholder), so its
# "unreadable" record survives the intake strip; a submission cannot know this value.
PROCESS_NONCE = secrets.token_hex(16)
NONCE_FIELD = "made_by"


def _text(value, limit=MAX_TEXT):
    return isinstance(value, str) and len(value) <= limit


def _name(value):
    return _text(value, MAX_NAME)


def _number(value):
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 1e9
    )


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1e9


def _flag(value):
    return isinstance(value, bool)


def _optional(spec):
    return lambda value: value is None or spec(value)


def _list_of(spec):
    return lambda value: (
        isinstance(value, list) and len(value) <= MAX_ITEMS and all(spec(v) for v in value)
    )


def _map_of(spec):
    return lambda value: (
        isinstance(value, dict)
        and len(value) <= MAX_ITEMS
        and all(_name(k) and spec(v) for k, v in value.items())
    )


def _fields(specs):
    """A dict whose known fields each pass their spec; fields it does not know are allowed."""
    return lambda value: (
        isinstance(value, dict)
        and all(spec(value[name]) for name, spec in specs.items() if name in value)
    )


NOTEBOOK_FIELDS = {
    "unreadable": _text,
    "repairs": _list_of(_text),
    "refused": _list_of(_text),
    "load_failure": _optional(_text),
    "load_errors": _list_of(_map_of(_optional(_text))),
    "crashes": _list_of(_text),
    "timeouts": _map_of(_count),
    "forbidden": _map_of(_list_of(_text)),
    "seconds": _number,
    "student_seconds": _number,
    "execute": _fields(
        {
            "cell_seconds": _number,
            "total_seconds": _number,
            "stopped": _optional(_text),
            "truncated": _flag,
        }
    ),
}
CHECK_FIELDS = {
    "name": _name,
    "passed": _flag,
    "misconception": lambda value: value is None or (isinstance(value, str) and value in HINTS),
    "message": _optional(_text),
}


@dataclass
class Records:
    """What the grader recorded in one autograded notebook, as far as it is well-formed."""

    info: dict = field(default_factory=dict)  # notebook-level fields that passed their checks
    checks: list = field(default_factory=list)  # (grade_id, check dict) for every test cell
    rejected: list = field(default_factory=list)  # one line per record ignored, saying why


def _metadata(node):
    metadata = node.get("metadata") if isinstance(node, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def strip_submitted_records(notebook):
    """Remove the grader's key from a submission's notebook and cell metadata, in place.

    Only the record of a stand-in notebook made by this very process is kept.
    Returns where a record was found ("notebook metadata", "cell 3", ...), for the repairs.
    """
    found = []
    info = _metadata(notebook).pop(KEY, None)
    if isinstance(info, dict) and info.get(NONCE_FIELD) == PROCESS_NONCE:
        notebook["metadata"][KEY] = {k: v for k, v in info.items() if k != NONCE_FIELD}
    elif info is not None:
        found.append("notebook metadata")
    for index, cell in enumerate(notebook.get("cells", [])):
        if _metadata(cell).pop(KEY, None) is not None:
            found.append(f"cell {index + 1}")
    return found


def _test_cell_id(cell):
    """The grade_id of an autograded test cell, or None for any other cell."""
    nbgrader = _metadata(cell).get("nbgrader")
    if (
        cell.get("cell_type") == "code"
        and isinstance(nbgrader, dict)
        and nbgrader.get("grade")
        and not nbgrader.get("solution")
        and _name(nbgrader.get("grade_id"))
    ):
        return nbgrader["grade_id"]
    return None


def read_records(notebook):
    """The grader's records in an autograded notebook, each field checked for type and size.

    Parameters
    ----------
    notebook : dict or NotebookNode

    Returns
    -------
    Records

    Examples
    --------
    >>> records = read_records({"metadata": {"convgrade": {"repairs": "not a list"}}})
    >>> records.info, records.rejected
    ({}, ['ignored a malformed grading record: repairs (str)'])
    """
    records = Records()
    info = _metadata(notebook).get(KEY, {})
    if not isinstance(info, dict):
        records.rejected.append(f"ignored a malformed grading record: {type(info).__name__}")
        info = {}
    for name, spec in NOTEBOOK_FIELDS.items():
        if name not in info:
            continue
        if spec(info[name]):
            records.info[name] = info[name]
        else:
            records.rejected.append(
                f"ignored a malformed grading record: {name} ({type(info[name]).__name__})"
            )
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        record = _metadata(cell).get(KEY)
        if record is None:
            continue
        grade_id = _test_cell_id(cell)
        checks = record.get("checks") if isinstance(record, dict) else None
        if grade_id is None:
            records.rejected.append(
                f"ignored check records on cell {index + 1}, which is not a graded test cell"
            )
        elif not (
            isinstance(checks, list)
            and len(checks) <= MAX_ITEMS
            and all(_fields(CHECK_FIELDS)(c) and "name" in c and "passed" in c for c in checks)
        ):
            records.rejected.append(f"ignored malformed check records on cell {grade_id}")
        else:
            records.checks += [(grade_id, check) for check in checks]
    return records
