"""Write source/convolutions/known_mistakes.json: what each classic mistake gives on the
inputs of the notebook's visible checks, so those checks can name a student's mistake.

The inputs are not listed here: the instructor notebook's code runs in this process and every
call that a visible check cell (grade_id ``check_...``) makes to a diagnosed function is
recorded. So the file holds variants of exactly the visible inputs, never a hidden one, and
follows the check cells when they change. The wrong outputs come from the grader's own
catalogue (convgrade.checks.misconceptions); the file carries outputs, never code.

Run it with ``make known-mistakes`` (``make release`` runs it first).
"""

import contextlib
import importlib.util
import io
import json
import os
import sys
import types

import nbformat
import numpy as np

from convgrade.checks import misconceptions, reference
from convgrade.contract import Mistake
from tools.repo import REPO_ROOT, SOURCE_NOTEBOOK

KNOWN_MISTAKES = SOURCE_NOTEBOOK.with_name("known_mistakes.json")
# Wrong outputs bigger than this are stored by their shape only: a photo's full wrong output
# would make the file large, and its values would give away more than the check shows.
MAX_STORED_VALUES = 100
DECIMALS = 6


@contextlib.contextmanager
def _notebook_folder(folder):
    """Import from, and open files in, the assignment folder, with pictures turned off."""
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    saved_modules = {name: sys.modules.get(name) for name in ("figures", "selfcheck")}
    drawing_off = types.ModuleType("figures")
    drawing_off.__getattr__ = lambda name: lambda *args, **kwargs: None
    sys.modules["figures"] = drawing_off
    sys.modules.pop("selfcheck", None)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _recording(function, name, calls):
    def recorder(*args):
        calls.append((name, tuple(np.array(arg, copy=True) for arg in args)))
        return function(*args)

    recorder.__name__ = name
    return recorder


def run_in_process(notebook_path=SOURCE_NOTEBOOK, answers=None, record=()):
    """Run the notebook's code cells in this process; return {check grade_id: error or None}.

    `answers` replaces answer cells' source by grade_id (a student's code); by default the
    instructor's solutions run. The figures module is replaced by one that draws nothing.
    While a check cell (grade_id ``check_...``) runs, each function named in `record` is
    wrapped so that its calls are recorded; they are returned as ``outcomes.calls``, a list
    of (function name, args). What the cells print is ``outcomes.printed``.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    answers = answers or {}
    outcomes, calls, namespace = CheckOutcomes(), [], {"__name__": "__notebook__"}
    printed = io.StringIO()
    with _notebook_folder(notebook_path.parent), contextlib.redirect_stdout(printed):
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            source = answers.get(grade_id, cell.source)
            code = compile(source, f"<cell {grade_id or 'unnamed'}>", "exec")
            if not grade_id.startswith("check_"):
                with contextlib.suppress(Exception):  # as Run All does: later cells still run
                    exec(code, namespace)
                continue
            originals = {name: namespace[name] for name in record if name in namespace}
            namespace.update({n: _recording(f, n, calls) for n, f in originals.items()})
            try:
                exec(code, namespace)
                outcomes[grade_id] = None
            except Exception as error:  # a failing check, as the student would see it
                outcomes[grade_id] = error
            finally:
                namespace.update(originals)
    outcomes.calls, outcomes.printed = calls, printed.getvalue()
    return outcomes


class CheckOutcomes(dict):
    """{grade_id: the exception a check cell raised, or None}, the recorded calls, the prints."""

    calls = ()
    printed = ""


def visible_calls(notebook_path=SOURCE_NOTEBOOK, functions=("convolve", "to_uint8")):
    """Every (function name, args) that the notebook's visible check cells call, in order.

    The instructor's answers run, so every check passes and reaches all of its calls.
    """
    outcomes = run_in_process(notebook_path, record=functions)
    failed = {grade_id: error for grade_id, error in outcomes.items() if error is not None}
    if failed:
        raise RuntimeError(f"the instructor notebook fails its own checks: {failed}")
    return outcomes.calls


def _stored(values):
    """Rounded, with whole numbers written as integers: the file stays small and readable."""

    def plain(value):
        if isinstance(value, list):
            return [plain(item) for item in value]
        return int(value) if value.is_integer() else value

    return plain(np.round(np.asarray(values, dtype=float), DECIMALS).tolist())


def _entry(mistake, shape, values=None):
    return {"mistake": mistake.value, "shape": list(shape), "values": values}


def _outputs(variants, right):
    """Entries for the file from the catalogue's (mistake, wrong output) pairs.

    A wrong output may be given as a function that computes it (convolve_variants).
    """
    entries, seen = [], set()
    for mistake, wrong in variants:
        candidate = np.asarray(wrong() if callable(wrong) else wrong, dtype=float)
        # As the grader does: an all-zero output or the right answer names nothing.
        if not candidate.any() or (
            candidate.shape == right.shape and np.allclose(candidate, right)
        ):
            continue
        if candidate.size <= MAX_STORED_VALUES:
            entry = _entry(mistake, candidate.shape, _stored(candidate))
        elif candidate.shape != right.shape:
            entry = _entry(mistake, candidate.shape)
        else:
            continue
        key = json.dumps(entry)
        if key not in seen:
            seen.add(key)
            entries.append(entry)
    return entries


def convolve_outputs(image, kernel):
    """The catalogue's wrong outputs for convolve(image, kernel), as entries for the file."""
    right = reference.convolve(image, kernel)
    entries = _outputs(misconceptions.convolve_variants(image, kernel), right)
    # Mistakes known by the shape alone (a kernel read as (kw, kh), say), for every shape
    # a mistake can give: none is larger than the image.
    named = {(e["mistake"], tuple(e["shape"])) for e in entries}
    for rows in range(image.shape[0] + 1):
        for cols in range(image.shape[1] + 1):
            for mistake in misconceptions.diagnose_convolve_shape_all(
                (rows, cols), image.shape, kernel.shape
            ):
                if (mistake.value, (rows, cols)) not in named:
                    named.add((mistake.value, (rows, cols)))
                    entries.append(_entry(mistake, (rows, cols)))
    return entries


def convolve_windows(image, kernel, broadcast_key):
    """{numpy's broadcast shapes: mistake names} for windows a wrong slice can cut here.

    Every slicing mistake the catalogue knows cuts at most one row or column more than the
    kernel's larger side (a centred window on an even kernel), and never more than the image.
    Numpy names the operands in the code's order, window * kernel or kernel * window; the
    grader knows the call's kernel, so it reads either (and here each order is stored).
    """
    windows = {}
    kernel_shape = f"({kernel.shape[0]},{kernel.shape[1]})"
    side = max(kernel.shape) + 1
    for rows in range(1, min(image.shape[0], side) + 1):
        for cols in range(1, min(image.shape[1], side) + 1):
            window = f"({rows},{cols})"
            for shapes in (f"{window} {kernel_shape}", f"{kernel_shape} {window}"):
                message = f"operands could not be broadcast together with shapes {shapes} "
                names = misconceptions.diagnose_exception_all(
                    "ValueError", message, image.shape, kernel.shape
                )
                if names:
                    windows[broadcast_key(shapes)] = [name.value for name in names]
    return windows


def convolve_indexes(image, kernel):
    """{numpy's IndexError message: mistake names} for an index one past the end of the
    kernel, the image or an output one short, in either direction: where loops one too
    long first run off an array."""
    image_shape, kernel_shape = image.shape[:2], kernel.shape
    indexes = {}
    for axis in (0, 1):
        sizes = (kernel_shape[axis], image_shape[axis], image_shape[axis] - kernel_shape[axis])
        for size in sizes:
            message = f"index {size} is out of bounds for axis {axis} with size {size}"
            names = misconceptions.diagnose_exception_all(
                "IndexError", message, image_shape, kernel_shape
            )
            if names:
                indexes[message] = [name.value for name in names]
    return indexes


def convolve_known(image, kernel, selfcheck):
    return {
        "outputs": convolve_outputs(image, kernel),
        "windows": convolve_windows(image, kernel, selfcheck.broadcast_key),
        "indexes": convolve_indexes(image, kernel),
    }


def to_uint8_known(values, selfcheck):
    right = reference.to_uint8(values)
    outputs = _outputs(misconceptions.to_uint8_variants(values), right)
    return {"outputs": outputs, "windows": {}, "indexes": {}}


KNOWN = {"convolve": convolve_known, "to_uint8": to_uint8_known}
# numpy 2's error when a uint8 array meets a Python int it cannot hold.
UINT8_OVERFLOW = "Python integer -1 out of bounds for uint8"


def load_selfcheck(folder=SOURCE_NOTEBOOK.parent):
    """The notebook's selfcheck module, loaded from its file: it reads what this writes."""
    spec = importlib.util.spec_from_file_location("notebook_selfcheck", folder / "selfcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(notebook_path=SOURCE_NOTEBOOK):
    """The file's content: hints by mistake name, and what is known by call fingerprint."""
    selfcheck = load_selfcheck(notebook_path.parent)
    calls = {}
    for name, args in visible_calls(notebook_path, functions=tuple(KNOWN)):
        key = selfcheck.fingerprint(name, args)
        if key not in calls:
            calls[key] = KNOWN[name](*args, selfcheck)
    overflow = [
        m.value for m in misconceptions.diagnose_exception_all("OverflowError", UINT8_OVERFLOW)
    ]
    # check_channels names this one from what convolve does, with the hint stored here.
    used = {*overflow, selfcheck.WRONG_ON_CHANNELS}
    for known in calls.values():
        used |= {entry["mistake"] for entry in known.get("outputs", [])}
        for errors in ("windows", "indexes"):
            used |= {name for names in known.get(errors, {}).values() for name in names}
    # Hints follow "because" in the grader's messages; here each one is a sentence of its own.
    hints = {m.value: m.hint[0].upper() + m.hint[1:] for m in Mistake if m.value in used}
    return {"hints": dict(sorted(hints.items())), "uint8_overflow": overflow, "calls": calls}


def dumps(content):
    """JSON with one wrong output a line, so a regenerated file diffs readably."""
    lines = ["{"]
    for field in ("hints", "uint8_overflow"):
        lines.append(f" {json.dumps(field)}: {json.dumps(content[field], indent=1)},")
    lines.append(' "calls": {')
    for position, (key, known) in enumerate(content["calls"].items()):
        lines.append(f"  {json.dumps(key)}: {{")
        lines.append(f'   "windows": {json.dumps(known["windows"])},')
        lines.append(f'   "indexes": {json.dumps(known["indexes"])},')
        lines.append('   "outputs": [')
        lines += [f"    {json.dumps(entry)}," for entry in known["outputs"]]
        lines[-1] = lines[-1].rstrip(",")
        lines.append("   ]")
        lines.append("  }," if position < len(content["calls"]) - 1 else "  }")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main():
    content = build()
    KNOWN_MISTAKES.write_text(dumps(content))
    count = sum(len(known["outputs"]) for known in content["calls"].values())
    print(
        f"wrote {KNOWN_MISTAKES.relative_to(REPO_ROOT)}: {count} wrong outputs of "
        f"{len(content['hints'])} named mistakes on {len(content['calls'])} visible inputs"
    )


if __name__ == "__main__":
    main()
