"""What a failed check tells the student: a message, maybe a named mistake and a picture.

Everything here that repeats text from student code is bounded: student code sees the
hidden inputs, so any text it chooses (an exception's class name or message, a repr, a
type name) is a channel for them. Only names and messages that come from a fixed
vocabulary, with a few small numbers, reach the feedback; the rest is left out.
"""

import builtins
import re
from dataclasses import dataclass

from convgrade.contract import Mistake

MAX_NAME = 40  # characters of a name (exception class, type) shown to anyone
MAX_MESSAGE = 400  # characters of a whole check message
MAX_LINE = 80  # characters of the line of student code shown with an error
MAX_DIGITS = 12  # digits a student-raised message may carry (a few indices or sizes)

# ANSI/OSC escape sequences, C0/C1 controls, zero-width and bidirectional formatting.
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+")
_IDENTIFIER = re.compile(rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME - 1}}}")
_WHERE = re.compile(r" \((?P<label>[^()]{1,80}), line (?P<line>\d{1,6})(?::|\))")


def clean_text(text, limit=MAX_MESSAGE):
    """One line of printable text, at most `limit` characters: escapes and controls removed.

    Examples
    --------
    >>> clean_text("red \\x1b[31mtext\\x1b[0m\\nnext line\\r", 14)
    'red text next…'
    """
    text = str(text)[: limit * 4]
    text = _CONTROLS.sub(" ", _ESCAPES.sub("", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _exception_names():
    names = {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    # Raised by the grader's worker, numpy and the lesson's helpers, never chosen by data.
    names |= {"ForbiddenRoutineError", "ForbiddenImportError", "ForbiddenProgramError"}
    names |= {"ProtocolError"}
    names |= {"AxisError", "ComplexWarning", "DTypePromotionError", "LinAlgError"}
    names |= {"TooHardError", "RankWarning", "VisibleDeprecationWarning", "UFuncTypeError"}
    names |= {
        "_ArrayMemoryError",
        "_UFuncBinaryResolutionError",
        "_UFuncCastingError",
        "_UFuncInputCastingError",
        "_UFuncNoLoopError",
        "_UFuncOutputCastingError",
    }
    return frozenset(names)


KNOWN_EXCEPTIONS = _exception_names()
KNOWN_TYPES = frozenset(
    {name for name, value in vars(builtins).items() if isinstance(value, type)}
    | {"ndarray", "matrix", "memmap", "recarray", "MaskedArray", "generator", "function"}
    | {"builtin_function_or_method", "method", "module", "NoneType", "NotImplementedType"}
    | {"ellipsis", "dict_keys", "dict_values", "dict_items", "Image", "Figure", "Axes"}
    | {"bool_", "bool", "str_", "bytes_", "void", "object_", "datetime64", "timedelta64"}
    | {f"{kind}{bits}" for kind in ("int", "uint") for bits in (8, 16, 32, 64)}
    | {f"float{bits}" for bits in (16, 32, 64, 128)}
    | {"complex64", "complex128", "complex256", "longdouble", "clongdouble"}
)
# Words a quoted name inside an error message may be, besides the student's own identifiers.
_VOCABULARY = KNOWN_TYPES | KNOWN_EXCEPTIONS | set(dir(builtins))
_VOCABULARY |= {"same_kind", "unsafe", "safe", "equiv", "no", "<U1", "add", "multiply"}
_VOCABULARY |= {"subtract", "divide", "true_divide", "floor_divide", "matmul", "power"}
_VOCABULARY |= {f"{order}{kind}{size}" for order in "<>|=" for kind in "iufb" for size in "1248"}

# Messages worth showing: Python's and numpy's own, whose only free parts are small numbers
# (N), shapes (S) and quoted names (Q, checked against the vocabulary). Only the part a
# template matches is kept; anything after it is dropped.
_PARTS = {
    "N": r"-?\d{1,9}",
    "S": r"\((?:-?\d{1,9}, ?){0,4}(?:-?\d{1,9})?,?\)",
    "Q": r"'[^'\s]{1,40}'",
    "D": r"dtype\('[^'\s]{1,16}'\)",
}
_TEMPLATES = [
    r"index N is out of bounds for axis N with size N",
    r"index N is out of bounds for size N",
    r"(?:list|tuple|string|range object) index out of range",
    r"(?:list|tuple) assignment index out of range",
    r"operands could not be broadcast together with shapes S S(?: S)?",
    r"could not broadcast input array from shape S into shape S",
    r"cannot reshape array of size N into shape S",
    r"too many indices for array: array is N-dimensional, but N were indexed",
    r"Python integer N out of bounds for Q",
    r"Python integer N out of bounds for [a-z]{3,7}\d{1,3}",
    r"name Q is not defined(?:\. Did you mean: Q\?)?",
    r"cannot access local variable Q where it is not associated with a value",
    r"local variable Q referenced before assignment",
    r"Q object is not (?:subscriptable|callable|iterable)",
    r"Q object does not support item assignment",
    r"Q object has no attribute Q",
    r"module Q has no attribute Q",
    r"unsupported operand type\(s\) for [-+*/%@&|^<>=]{1,3}: Q and Q",
    r"can't multiply sequence by non-int of type Q",
    r"(?:float )?division by zero",
    r"integer (?:division or )?modulo by zero",
    r"only integers, slices \(`:`\), ellipsis \(`\.\.\.`\), numpy\.newaxis \(`None`\) and "
    r"integer or boolean arrays are valid indices",
    r"setting an array element with a sequence\.",
    r"The truth value of an array with more than one element is ambiguous\. "
    r"Use a\.any\(\) or a\.all\(\)",
    r"Cannot cast ufunc Q output from D to D with casting rule Q",
    r"ufunc Q did not contain a loop with signature matching types",
    r"maximum recursion depth exceeded",
    r"unhashable type: Q",
    r"not enough values to unpack \(expected N, got N\)",
    r"too many values to unpack \(expected N\)",
    r"(?:[A-Za-z_]\w{0,39}\(\) )?takes N positional arguments? but N (?:were|was) given",
    r"(?:[A-Za-z_]\w{0,39}\(\) )?missing N required positional arguments?: Q(?: and Q)?",
    r"(?:np\.)?[a-z_.][a-z_. ]{0,59} is not allowed in this assignment: write the convolution "
    r"yourself with loops\.",
    r"importing [a-z_.]{1,40} a second time is not allowed",
    r"the grader's [a-z_]{1,20} was used after its check ended",
    r"the grader's [a-z_]{1,20} answers only image\[:, :, c\] with the kernel as given",
    r"[a-z_]{1,20} is a [a-z_]{1,20}, not a function",
    r"unknown op",
    r"No module named Q",
]
MESSAGE_TEMPLATES = [
    re.compile(re.sub(r"\b[NSQD]\b", lambda m: _PARTS[m.group()], t)) for t in _TEMPLATES
]
_QUOTED = re.compile(r"'([^'\s]{1,40})'")


def source_words(cells):
    """Every identifier in the student's source: names their own errors may mention."""
    words = set()
    for cell in cells or ():
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        words.update(_IDENTIFIER.findall(source if isinstance(source, str) else ""))
    return frozenset(w for w in words if len(w) <= MAX_NAME)


def exception_name(raw, cells=()):
    """The exception's class name if it is a standard one or a class the student's source
    names; None otherwise (a name built at run time could carry any data).

    Examples
    --------
    >>> exception_name("IndexError"), exception_name("aGVsbG8gd29ybGQ")
    ('IndexError', None)
    """
    name = str(raw)[: MAX_NAME + 1]
    if name in KNOWN_EXCEPTIONS:
        return name
    if _IDENTIFIER.fullmatch(name) and name in source_words(cells):
        return name
    return None


def type_name(raw):
    """A returned value's type name if it is a standard type, else 'object'."""
    name = str(raw)[: MAX_NAME + 1]
    return name if name in KNOWN_TYPES else "object"


def safe_message(raw, cells=()):
    """The part of an exception message that matches a standard template, or "".

    Examples
    --------
    >>> safe_message("index 7 is out of bounds for axis 0 with size 7")
    'index 7 is out of bounds for axis 0 with size 7'
    >>> safe_message("aGlkZGVuIGlucHV0IGRhdGE=")
    ''
    """
    text = clean_text(raw, 300)
    words = None
    for template in MESSAGE_TEMPLATES:
        match = template.match(text)
        if match is None:
            continue
        kept = match.group(0)
        if sum(c.isdigit() for c in kept) > MAX_DIGITS:
            return ""
        quoted = _QUOTED.findall(kept)
        if quoted:
            words = source_words(cells) if words is None else words
            if any(q not in _VOCABULARY and q not in words for q in quoted):
                return ""
        return kept
    return ""


def error_location(where, cells):
    """' (cell 3, line 4: total += ...)', rebuilt from the grader's copy of the source.

    The worker's own text is not trusted: student code can rewrite the line cache it reads.
    Only the cell and line number are taken from it, and only if they exist.
    """
    cell = error_cell(where, cells)
    if cell is None:
        return ""
    label = clean_text(_cell_label(cell), MAX_LINE)
    number = int(_WHERE.match(str(where)[:200]).group("line"))
    lines = str(cell.get("source", "")).splitlines()
    if not 1 <= number <= len(lines):
        return f" ({label})"
    code = clean_text(lines[number - 1].strip(), MAX_LINE)
    return f" ({label}, line {number}" + (f": {code})" if code else ")")


def error_cell(where, cells):
    """The student's code cell (as in `cells`) that `where` points into, or None.

    Examples
    --------
    >>> cells = [{"label": "your convolve cell", "source": "def convolve(): pass"}]
    >>> error_cell(" (your convolve cell, line 1: x)", cells)["source"]
    'def convolve(): pass'
    >>> error_cell(" (forged, line 1: x)", cells) is None
    True
    """
    match = _WHERE.match(str(where)[:200])
    for cell in (cells or ()) if match else ():
        if isinstance(cell, dict) and _cell_label(cell) == match.group("label"):
            return cell
    return None


def _cell_label(cell):
    """How error reports name a loaded code cell: its label, else its position."""
    return cell.get("label") or f"cell {cell.get('index', 0) + 1}"


def describe_error(error, cells=()):
    """'IndexError: index 7 is out of bounds ... (cell 3, line 4: ...)' from a worker's report.

    Parameters
    ----------
    error : dict
        ``{"type", "message", "where"}`` as the worker sent it: untrusted.
    cells : list of dict
        The code cells the worker loaded (``notebook_code.code_cells``).

    Examples
    --------
    >>> describe_error({"type": "Q2FwdHVyZWQ", "message": "c2VjcmV0", "where": ""})
    'an exception of a class made at run time'
    """
    if not isinstance(error, dict):
        error = {}
    name = exception_name(error.get("type", ""), cells)
    message = safe_message(error.get("message", ""), cells)
    where = error_location(error.get("where", ""), cells)
    if name is None:
        return f"an exception of a class made at run time{where}"
    return f"{name}{': ' + message if message else ''}{where}"


def clean_error_record(error, cells=()):
    """A load error as the grader records it: the same bounded parts, as a dict."""
    if not isinstance(error, dict):
        error = {}
    return {
        "cell": clean_text(error.get("cell", ""), MAX_LINE),
        "type": exception_name(error.get("type", ""), cells) or "an exception",
        "message": safe_message(error.get("message", ""), cells),
        "where": error_location(error.get("where", ""), cells),
    }


class CheckFailure(AssertionError):
    """A check failed; `message` is written for the student and is safe to show them.

    Parameters
    ----------
    message : str
        One or two sentences: what was expected, what was found, where.
    misconception : convgrade.contract.Mistake, optional
        The likely mistake, e.g. Mistake.FLIPPED_KERNEL.
    picture : bytes or callable returning bytes, optional
        A PNG comparing the expected and the student's image; a callable is drawn only if
        the feedback will show it (one picture per graded cell).
    also : sequence of Mistake, optional
        Other mistakes that give the very same result. The message names them, so the
        record and the feedback say every name that fits, not a guess among them.
    """

    def __init__(self, message, *, misconception=None, picture=None, also=()):
        also = tuple(m for m in dict.fromkeys(also) if m != misconception)
        for mistake in (misconception, *also):
            if mistake is not None and not isinstance(mistake, Mistake):
                # A plain string here would be a name no hint or report knows: fail the run.
                raise TypeError(f"misconception must be a Mistake, not {mistake!r}")
        if also and misconception is None:
            raise TypeError("`also` names alternatives to a misconception; give it first")
        message += also_fits(also)
        super().__init__(message + (f" {explain(misconception)}" if misconception else ""))
        self.message = message
        self.misconception = misconception
        self.also = also
        self.picture = picture


def also_fits(alternatives):
    """' The same result also fits: patch transposed.' for mistakes no input here separates."""
    if not alternatives:
        return ""
    names = ", ".join(m.value for m in alternatives)
    return f" The same result also fits: {names}."


def explain(misconception):
    """The sentence that names a mistake (a Mistake) and says what to fix."""
    return f"This looks like a known mistake, {misconception.value}: {misconception.hint}"


@dataclass(frozen=True)
class CheckNote:
    """What a check that passed has to say anyway: a knock-on it forgave, and why.

    A check appends ``(NOTE_PROPERTY, note)`` to its pytest item's user_properties; the
    runner keeps it on the passed result, and the test cell's report shows it.
    `failure` is the check's failure with the student's own code: it stands after all if
    what was forgiven cost no points elsewhere (see knock_on.settle).
    """

    message: str
    misconception: Mistake
    failure: CheckFailure | None = None


NOTE_PROPERTY = "convgrade-note"


class StudentCodeError(CheckFailure):
    """The student's code raised, hung, crashed or is missing; no result to compare.

    `ended_process` is true when the call ended the grader's process running the student's
    code, or was not made because earlier calls had (the knock-on note says so). `called`
    is false when the call was not made at all: the function was barred by an earlier hang
    or crashes, or the time budget was spent.
    """

    def __init__(self, message, *, ended_process=False, called=True, **kwargs):
        super().__init__(message, **kwargs)
        self.ended_process = ended_process
        self.called = called
