"""The grader's contracts: the records it writes, the mistakes it names, the library policy.

Three agreements cross a boundary, so each is defined once, here:

- the **records** the grader writes into an autograded notebook (under ``RECORD_KEY`` in the
  notebook's and each test cell's metadata) and reads back for the reports. A submission
  could carry that key too, so ``strip_submitted_records`` removes it when a submission is
  taken in (both grading paths run RepairSubmission), and ``read_records`` keeps only fields
  of the expected type and size: a malformed or forged record is ignored with a one-line
  reason, never a crash;
- the **mistakes** the hidden checks name (``Mistake``), each with the hint the student sees;
- the **forbidden-library policy** (``ForbiddenPolicy``): the static scan reads it, the
  sandbox hides its packages, and the sandboxed worker (convgrade/sandbox/inside.py, which
  runs alone with ``python -I``) receives it as JSON and blocks it at run time.

Only the standard library is imported, so any process can import this file on its own.
"""

import json
import math
import secrets
from dataclasses import asdict, dataclass, field, fields
from enum import Enum

RECORD_KEY = "convgrade"
MAX_ITEMS = 500
MAX_TEXT = 4000
MAX_NAME = 200
# Marks a stand-in notebook made by this grading process (exporter.placeholder), so its
# "unreadable" record survives the intake strip; a submission cannot know this value.
PROCESS_NONCE = secrets.token_hex(16)
NONCE_FIELD = "made_by"


# ---- mistakes ---------------------------------------------------------------------------------
class Mistake(Enum):
    """A classic mistake the hidden checks can name, with the hint that says what to fix.

    The value is the name students see and the class report counts; it is stored in the
    records, so renaming a value changes what old records mean.

    Examples
    --------
    >>> Mistake.FLIPPED_KERNEL.value
    'flipped kernel'
    >>> Mistake("library routine") is Mistake.LIBRARY_ROUTINE
    True
    """

    FLIPPED_KERNEL = (
        "flipped kernel",
        "the kernel was flipped (textbook convolution). In this lesson the kernel is laid on "
        "the image as it is.",
    )
    KERNEL_FLIPPED_UPSIDE_DOWN = (
        "kernel flipped upside down",
        "the kernel's rows were used in reverse order.",
    )
    KERNEL_FLIPPED_LEFT_TO_RIGHT = (
        "kernel flipped left to right",
        "the kernel's columns were used in reverse order.",
    )
    TRANSPOSED_KERNEL = (
        "transposed kernel",
        "rows and columns of the kernel were swapped (kernel[j, i] used for kernel[i, j]).",
    )
    TRANSPOSED_OUTPUT = ("transposed output", "the output has its rows and columns swapped.")
    OUTPUT_ONE_SHORT = (
        "output one short",
        "the output, or the loops that fill it, stop one position too early. It needs "
        "H - kh + 1 rows and W - kw + 1 columns, np.zeros((H - kh + 1, W - kw + 1)), and "
        "loops over range(H - kh + 1) and range(W - kw + 1), not range(H - kh).",
    )
    SAME_SIZE_ZERO_BORDER = (
        "same-size output with a zero border",
        "the output has the image's size, with zeros where the kernel does not fit. Return "
        "only the positions where it fits.",
    )
    ZERO_PADDED_SAME_SIZE = (
        "zero-padded same-size output",
        "the image was padded with zeros so the output keeps its size. Only positions where "
        "the kernel fits entirely count.",
    )
    EDGE_PADDED_SAME_SIZE = (
        "edge-padded same-size output",
        "the image was padded by repeating its border pixels (np.pad mode 'edge') so the "
        "output keeps its size. Only positions where the kernel fits entirely count: no padding.",
    )
    REFLECT_PADDED_SAME_SIZE = (
        "mirror-padded same-size output",
        "the image was padded with its own mirror image (np.pad mode 'reflect' or "
        "'symmetric') so the output keeps its size. Only positions where the kernel fits "
        "entirely count: no padding.",
    )
    WRAP_PADDED_SAME_SIZE = (
        "circular-padded same-size output",
        "the image was wrapped around its edges (np.pad mode 'wrap', or indices taken modulo "
        "the image size) so the output keeps its size. Only positions where the kernel fits "
        "entirely count: no padding.",
    )
    IMAGE_ASSUMED_SQUARE = (
        "image assumed square",
        "one image size is used for both directions. Loop over rows with the image's height "
        "(image.shape[0]) and over columns with its width (image.shape[1]).",
    )
    RUNNING_TOTAL_NOT_RESET = (
        "running total not reset",
        "the running total is set to 0 only once (before the loops, or once per row), so each "
        "value also holds the sums of the windows before it. Set it to 0 inside the loop over "
        "columns, just before summing one window.",
    )
    KERNEL_LOOP_ONE_SHORT = (
        "kernel loop one short",
        "the loops over the kernel miss its last row or column: range(kh - 1), or "
        "range(-1, 1) for a 3 x 3 neighbourhood, which covers only 2 x 2. Use range(kh) and "
        "range(kw) (range(-1, 2) for offsets around a centre).",
    )
    PATCH_TRANSPOSED = (
        "patch transposed",
        "the image patch was transposed before multiplying (patch.T * kernel), which pairs "
        "patch[j, i] with kernel[i, j]. Multiply image[r:r + kh, c:c + kw] by the kernel as "
        "it is.",
    )
    KERNEL_ROWS_COLUMNS_SWAPPED = (
        "kernel rows and columns swapped",
        "the loops use the kernel's width for rows and its height for columns.",
    )
    KERNEL_ASSUMED_3X3 = (
        "kernel assumed 3 x 3",
        "the code assumes a 3 x 3 kernel; use kernel.shape.",
    )
    KERNEL_ASSUMED_SQUARE = (
        "kernel assumed square",
        "the code uses one kernel size for both directions; use both kernel.shape[0] and "
        "kernel.shape[1].",
    )
    KERNEL_ASSUMED_ODD = (
        "kernel assumed odd-sized",
        "the window is built around a centre pixel, k // 2 on each side, which is one too "
        "wide for an even kernel size. Slice the window from its top-left corner: "
        "image[r:r + kh, c:c + kw].",
    )
    WINDOW_ONE_TOO_LARGE = (
        "window one too large",
        "each window has an extra row or column (or both) beyond the kernel's size. A slice "
        "leaves out its end, so image[r:r + kh, c:c + kw] already takes kh rows and kw "
        "columns, as range(kh) already counts kh offsets; image[r:r + kh + 1] or "
        "range(kh + 1) takes one too many.",
    )
    WINDOW_ONE_TOO_SMALL = (
        "window one too small",
        "each window is a row or column (or both) short of the kernel's size. A slice leaves "
        "out its end, so image[r:r + kh, c:c + kw] takes exactly kh rows and kw columns; "
        "image[r:r + kh - 1] is one row short, and so is image[y - h:y + h] around a centre.",
    )
    LOOPS_PAST_THE_EDGE = (
        "loops run past the edge",
        "the loops go past the last position where the whole kernel fits, so the image's "
        "edge cuts the last windows short (or an index runs off the image). Loop over "
        "range(H - kh + 1) rows and range(W - kw + 1) columns.",
    )
    UINT8_WRAP_AROUND = (
        "uint8 wrap-around",
        "the sums were computed or stored as uint8, which wraps around past 255 and below 0 "
        "(and in NumPy 2 a uint8 pixel times a Python int stays uint8, or raises "
        "OverflowError). Convert to float before multiplying.",
    )
    TRUNCATED_TO_INTEGERS = (
        "truncated to integers",
        "the result was stored in an integer array, which drops the fractions. Create the "
        "output as float.",
    )
    CLIPPED = (
        "clipped",
        "the result was clipped to 0..255. convolve returns the raw sums; clipping belongs in "
        "to_uint8.",
    )
    ROUNDED = (
        "rounded",
        "the result was rounded. convolve returns the raw sums; rounding belongs in to_uint8.",
    )
    NORMALISED_BY_KERNEL_SUM = (
        "normalised by the kernel sum",
        "the sum was divided by the kernel's sum. convolve returns the plain sum of products.",
    )
    ABSOLUTE_VALUE = (
        "absolute value",
        "the result is the absolute value of the right answer; keep the sign.",
    )
    MEAN_INSTEAD_OF_SUM = ("mean instead of sum", "each window was averaged instead of summed.")
    INPUT_MODIFIED = (
        "input modified",
        "the function wrote into the array it was given. Work on a copy.",
    )
    LIBRARY_ROUTINE = (
        "library routine",
        "a library convolution routine did the work instead of your loops.",
    )
    CHANNELS_MIXED_UP = (
        "channels mixed up",
        "the colour channels came back in the wrong order or axis.",
    )
    FIX_CONVOLVE_FIRST = (
        "fix convolve first",
        "convolve_color calls your convolve, so a mistake in convolve makes the colour checks "
        "fail too. They were run again with the grader's convolve in place of yours: each one "
        "that then passes counts as passed, since your colour code is right. Fix convolve and "
        "they pass with yours.",
    )
    CONVOLVE_WRONG_ON_CHANNELS = (
        "convolve wrong on channels",
        "your convolve goes wrong on the channels convolve_color gives it, even if it passes "
        "its own checks. Either it reads image[:, :, c] as if its pixels were next to each "
        "other in memory (they are not: it is a view into the colour image), for example "
        "with as_strided and strides worked out from the shape instead of image.strides; or "
        "it hands back one output array and fills it again in every call, so each call "
        "overwrites the answer before. Cut windows with slices, and make a new output array "
        "in every call.",
    )
    TRUNCATED_INSTEAD_OF_ROUNDED = (
        "truncated instead of rounded",
        "values were cut to integers (astype) without rounding first.",
    )
    ROUNDING_HALF_AWAY_FROM_ZERO = (
        "rounding half away from zero",
        "values at .5 went up; np.rint rounds halves to the even integer (0.5 to 0, 1.5 to 2).",
    )
    WRAPPED_INSTEAD_OF_CLIPPED = (
        "wrapped instead of clipped",
        "values outside 0..255 wrapped around instead of being clipped.",
    )
    NOT_CLIPPED = ("not clipped", "values outside 0..255 were not clipped.")

    def __new__(cls, name, hint):
        member = object.__new__(cls)
        member._value_ = name
        member.hint = hint
        return member

    def __str__(self):
        # Messages and reports show the name a student reads, never "Mistake.CLIPPED".
        return self.value


MISTAKE_NAMES = frozenset(m.value for m in Mistake)


# ---- the forbidden-library policy -------------------------------------------------------------
@dataclass(frozen=True)
class ForbiddenPolicy:
    """Which library routines the assignment forbids; every enforcer reads one instance.

    Attributes
    ----------
    modules : tuple of str
        Dotted module names; each and everything under it is forbidden.
    numpy_names : tuple of str
        numpy routines forbidden under any alias (np.convolve, np._core.numeric.convolve...).
    importable_modules : tuple of str
        Modules forbidden to use in the student's functions, but not to import: libraries
        the notebook needs import them (imageio imports ctypes; matplotlib, Pillow). The
        static scan names their use. The checks process gets a ctypes that imports but
        offers nothing (convgrade/sandbox/ctypes_stub.py).
    kept_packages : tuple of str
        Packages the lesson itself needs, which the sandbox never hides whole even where
        one of their modules is forbidden (Pillow, for imageio; PIL.ImageFilter is not).
    message : str
        What a blocked import or call says; ``{}`` is replaced by the routine's name.

    Examples
    --------
    >>> FORBIDDEN.forbids("scipy.signal.correlate2d"), FORBIDDEN.forbids("numpy.convolve")
    (True, True)
    >>> FORBIDDEN.forbids("numpy.lib.stride_tricks.sliding_window_view")
    False
    >>> FORBIDDEN.forbids("ctypes.pythonapi"), "ctypes" in FORBIDDEN.hidden_packages
    (True, False)
    >>> FORBIDDEN.forbids("PIL.ImageFilter.Kernel"), "PIL" in FORBIDDEN.hidden_packages
    (True, False)
    >>> FORBIDDEN.forbids("PIL.Image.fromarray"), FORBIDDEN.forbids_module("imageio")
    (True, False)
    >>> ForbiddenPolicy.from_json(FORBIDDEN.to_json()) == FORBIDDEN
    True
    """

    modules: tuple = ()
    numpy_names: tuple = ()
    importable_modules: tuple = ()
    kept_packages: tuple = ()
    message: str = (
        "{} is not allowed in this assignment: write the convolution yourself with loops."
    )

    @property
    def hidden_packages(self):
        """Installed packages the sandbox hides whole: each forbidden module's top package,
        but those the lesson needs."""
        tops = {m.split(".")[0] for m in self.modules}
        return tuple(sorted(tops - set(self.kept_packages)))

    def forbids_module(self, name):
        """Is this module, or a package above it, forbidden (to import, or to use)?"""
        forbidden = self.modules + self.importable_modules
        return any(name == m or name.startswith(m + ".") for m in forbidden)

    def forbids(self, qualified_name):
        """Is this dotted name (``numpy.convolve``, ``scipy.signal.x``) a forbidden routine?"""
        if qualified_name.startswith("numpy."):
            return qualified_name.rsplit(".", 1)[-1] in self.numpy_names
        return self.forbids_module(qualified_name)

    def extended(self, *, modules=(), numpy_names=()):
        """A copy forbidding more."""
        return ForbiddenPolicy(
            self.modules + tuple(modules),
            self.numpy_names + tuple(numpy_names),
            self.importable_modules,
            self.kept_packages,
            self.message,
        )

    def to_json(self):
        """The policy as data, for a process that cannot import this module."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        return cls(
            tuple(data["modules"]),
            tuple(data["numpy_names"]),
            tuple(data.get("importable_modules", ())),
            tuple(data.get("kept_packages", ())),
            data["message"],
        )


FORBIDDEN = ForbiddenPolicy(
    modules=(
        "scipy.signal",
        "scipy.ndimage",
        "cv2",
        "skimage",
        "torch",
        "tensorflow",
        "astropy.convolution",
        # Calls C functions by address, numpy's own correlate among them.
        "cffi",
        # Pillow's filters (Kernel, BoxBlur, GaussianBlur...) are 2-D convolutions in C.
        "PIL.ImageFilter",
    ),
    numpy_names=("convolve", "correlate", "correlate2"),
    importable_modules=(
        # The same as cffi, in the standard library; imageio and numpy import it.
        "ctypes",
        # Pillow's C core filters too (`Image.im.filter`), with no module name to refuse;
        # no function of this assignment needs Pillow.
        "PIL",
    ),
    kept_packages=("PIL",),
)


# ---- checks of what a record holds ------------------------------------------------------------
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


def _mistake_name(value):
    return value is None or (isinstance(value, str) and value in MISTAKE_NAMES)


def _mistake_name_given(value):
    return value is not None and _mistake_name(value)


def _checked(spec, default=None):
    """A dataclass field whose stored value must pass `spec` to be read back."""
    return field(default=default, metadata={"check": spec})


def _valid_fields(cls, data):
    """(the fields of `data` that pass their checks, the names of those that do not)."""
    valid, invalid = {}, []
    for f in fields(cls):
        if f.name in data:
            if f.metadata["check"](data[f.name]):
                valid[f.name] = data[f.name]
            else:
                invalid.append(f"{f.name} ({type(data[f.name]).__name__})")
    return valid, invalid


# ---- the records ------------------------------------------------------------------------------
@dataclass
class ExecuteRecord:
    """How the notebook's run for the feedback went (SandboxedExecute).

    The report reads `stopped` and `truncated` from here, never from the outputs, which
    student code could imitate.
    """

    cell_seconds: float = _checked(_number, 0.0)
    total_seconds: float = _checked(_number, 0.0)
    stopped: str | None = _checked(_optional(_text))  # why later cells were not run
    truncated: bool = _checked(_flag, False)  # some output was dropped over the limits
    # Cells stopped for time, as "cell 7 (convolve): stopped after 30 s": the checks load
    # only their definitions (HiddenChecks).
    time_stops: list | None = _checked(_optional(_list_of(_text)))


@dataclass
class NotebookRecord:
    """What grading found about one notebook; each step writes the fields it knows.

    A field left None was not recorded (by this step, or at all). Written under
    ``metadata[RECORD_KEY]``, merged with what earlier steps wrote.

    Examples
    --------
    >>> notebook = {"metadata": {}, "cells": []}
    >>> NotebookRecord(repairs=["restored cell x"]).write(notebook)
    >>> read_records(notebook).info.repairs
    ['restored cell x']
    """

    unreadable: str | None = _checked(_text)  # why the submitted file could not be graded
    refused: list | None = _checked(_list_of(_text))  # folder entries never opened, and why
    repairs: list | None = _checked(_list_of(_text))  # what RepairSubmission put back
    load_failure: str | None = _checked(_optional(_text))
    load_errors: list | None = _checked(_list_of(_map_of(_optional(_text))))
    crashes: list | None = _checked(_list_of(_text))
    timeouts: dict | None = _checked(_map_of(_count))  # student function -> calls stopped
    forbidden: dict | None = _checked(_map_of(_list_of(_text)))  # function -> routines used
    seconds: float | None = _checked(_number)  # the hidden checks' wall-clock time
    student_seconds: float | None = _checked(_number)  # of which inside student code
    execute: ExecuteRecord | None = _checked(lambda value: isinstance(value, dict))

    def to_metadata(self, *, stand_in=False):
        """The recorded fields as JSON-able data; `stand_in` marks a notebook made here."""
        data = {
            f.name: asdict(value) if isinstance(value, ExecuteRecord) else value
            for f in fields(self)
            if (value := getattr(self, f.name)) is not None
        }
        if stand_in:
            data[NONCE_FIELD] = PROCESS_NONCE
        return data

    def write(self, notebook):
        """Merge the recorded fields into the notebook's record, replacing the same fields."""
        metadata = notebook["metadata"]
        if not isinstance(metadata.get(RECORD_KEY), dict):
            metadata[RECORD_KEY] = {}
        metadata[RECORD_KEY].update(self.to_metadata())

    @classmethod
    def from_metadata(cls, data):
        """(record, reasons): the well-formed fields of `data`, and one reason per ignored one."""
        if not isinstance(data, dict):
            return cls(), [f"ignored a malformed grading record: {type(data).__name__}"]
        valid, invalid = _valid_fields(cls, data)
        rejected = [f"ignored a malformed grading record: {reason}" for reason in invalid]
        if "execute" in valid:
            execute, bad = _valid_fields(ExecuteRecord, valid["execute"])
            valid["execute"] = ExecuteRecord(**execute)
            rejected += [f"ignored a malformed grading record: execute.{reason}" for reason in bad]
        return cls(**valid), rejected


@dataclass
class CheckRecord:
    """One hidden check's outcome, kept on its test cell for the class report."""

    name: str = _checked(_name)
    passed: bool = _checked(_flag)
    misconception: Mistake | None = _checked(_mistake_name)
    message: str | None = _checked(_optional(_text))
    # Other mistakes that give the very same result; records written before this field
    # have none.
    also: tuple = _checked(_list_of(_mistake_name_given), default=())

    def to_metadata(self):
        return {
            "name": self.name,
            "passed": self.passed,
            "misconception": self.misconception.value if self.misconception else None,
            "message": self.message,
            "also": [mistake.value for mistake in self.also],
        }

    @classmethod
    def from_metadata(cls, data):
        """The record, or None unless every field it has is well-formed and name, passed exist."""
        if not isinstance(data, dict) or "name" not in data or "passed" not in data:
            return None
        valid, invalid = _valid_fields(cls, data)
        if invalid:
            return None
        if valid.get("misconception") is not None:
            valid["misconception"] = Mistake(valid["misconception"])
        valid["also"] = tuple(Mistake(name) for name in valid.get("also", ()))
        return cls(**valid)


def write_check_records(cell, records):
    """Keep the hidden checks' outcomes on their test cell (replacing any earlier ones)."""
    cell["metadata"][RECORD_KEY] = {"checks": [record.to_metadata() for record in records]}


@dataclass
class Records:
    """What the grader recorded in one autograded notebook, as far as it is well-formed."""

    info: NotebookRecord = field(default_factory=NotebookRecord)
    checks: list = field(default_factory=list)  # (grade_id, CheckRecord) for every test cell
    rejected: list = field(default_factory=list)  # one line per record ignored, saying why


def _metadata(node):
    metadata = node.get("metadata") if isinstance(node, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def is_stand_in(notebook):
    """Was this notebook made by this very process to stand in for an unreadable file?"""
    info = _metadata(notebook).get(RECORD_KEY)
    return isinstance(info, dict) and info.get(NONCE_FIELD) == PROCESS_NONCE


def strip_submitted_records(notebook):
    """Remove the grader's key from a submission's notebook and cell metadata, in place.

    Only the record of a stand-in notebook made by this very process is kept.
    Returns where a record was found ("notebook metadata", "cell 3", ...), for the repairs.
    """
    found = []
    stand_in = is_stand_in(notebook)
    info = _metadata(notebook).pop(RECORD_KEY, None)
    if stand_in:
        notebook["metadata"][RECORD_KEY] = {k: v for k, v in info.items() if k != NONCE_FIELD}
    elif info is not None:
        found.append("notebook metadata")
    for index, cell in enumerate(notebook.get("cells", [])):
        if _metadata(cell).pop(RECORD_KEY, None) is not None:
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


def read_notebook_record(notebook):
    """The notebook-level record alone (what earlier grading steps wrote), checked as below."""
    return NotebookRecord.from_metadata(_metadata(notebook).get(RECORD_KEY, {}))[0]


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
    >>> records.info.repairs, records.rejected
    (None, ['ignored a malformed grading record: repairs (str)'])
    """
    info, rejected = NotebookRecord.from_metadata(_metadata(notebook).get(RECORD_KEY, {}))
    records = Records(info=info, rejected=rejected)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else []):
        record = _metadata(cell).get(RECORD_KEY)
        if record is None:
            continue
        grade_id = _test_cell_id(cell)
        checks = record.get("checks") if isinstance(record, dict) else None
        if grade_id is None:
            records.rejected.append(
                f"ignored check records on cell {index + 1}, which is not a graded test cell"
            )
            continue
        parsed = (
            [CheckRecord.from_metadata(c) for c in checks]
            if isinstance(checks, list) and len(checks) <= MAX_ITEMS
            else [None]
        )
        if None in parsed:
            records.rejected.append(f"ignored malformed check records on cell {grade_id}")
        else:
            records.checks += [(grade_id, check) for check in parsed]
    return records
