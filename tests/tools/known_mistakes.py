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


def visible_calls(notebook_path=SOURCE_NOTEBOOK, functions=("convolve", "to_uint8")):
    """Every (function name, args) that the notebook's visible check cells call, in order.

    Runs the instructor notebook's code cells in this process (its answers are the
    instructor's solutions), with the figures module replaced by one that draws nothing.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    calls, namespace = [], {"__name__": "__notebook__"}
    with _notebook_folder(notebook_path.parent):
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            code = compile(cell.source, f"<cell {grade_id or 'unnamed'}>", "exec")
            if not grade_id.startswith("check_"):
                exec(code, namespace)
                continue
            answers = {name: namespace[name] for name in functions if name in namespace}
            namespace.update({n: _recording(f, n, calls) for n, f in answers.items()})
            try:
                exec(code, namespace)
            finally:
                namespace.update(answers)
    return calls


def _stored(values):
    """Rounded, with whole numbers written as integers: the file stays small and readable."""
    rounded = np.round(np.asarray(values, dtype=float), DECIMALS)
    return [[int(v) if v.is_integer() else float(v) for v in row] for row in rounded.tolist()]


def _entry(mistake, shape, values=None):
    return {"mistake": mistake.value, "shape": list(shape), "values": values}


def convolve_variants(image, kernel):
    """The catalogue's wrong outputs for convolve(image, kernel), as entries for the file."""
    right = reference.convolve(image, kernel)
    entries, seen = [], set()
    for mistake, wrong in misconceptions.convolve_variants(image, kernel):
        candidate = np.asarray(wrong(), dtype=float)
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


VARIANTS = {"convolve": convolve_variants}


def load_selfcheck(folder=SOURCE_NOTEBOOK.parent):
    """The notebook's selfcheck module, loaded from its file: its fingerprint is the key."""
    spec = importlib.util.spec_from_file_location("notebook_selfcheck", folder / "selfcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(notebook_path=SOURCE_NOTEBOOK):
    """The file's content: hints by mistake name, and wrong outputs by call fingerprint."""
    fingerprint = load_selfcheck(notebook_path.parent).fingerprint
    calls = {}
    for name, args in visible_calls(notebook_path, functions=tuple(VARIANTS)):
        key = fingerprint(name, args)
        if key not in calls:
            calls[key] = VARIANTS[name](*args)
    used = {entry["mistake"] for entries in calls.values() for entry in entries}
    # Hints follow "because" in the grader's messages; here each one is a sentence of its own.
    hints = {m.value: m.hint[0].upper() + m.hint[1:] for m in Mistake if m.value in used}
    return {"hints": dict(sorted(hints.items())), "calls": calls}


def dumps(content):
    """JSON with one wrong output a line, so a regenerated file diffs readably."""
    lines = ["{", ' "hints": ' + json.dumps(content["hints"], indent=2).replace("\n", "\n ") + ","]
    lines.append(' "calls": {')
    for position, (key, entries) in enumerate(content["calls"].items()):
        lines.append(f"  {json.dumps(key)}: [")
        lines += [f"   {json.dumps(entry)}," for entry in entries]
        lines[-1] = lines[-1].rstrip(",")
        lines.append("  ]," if position < len(content["calls"]) - 1 else "  ]")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main():
    content = build()
    KNOWN_MISTAKES.write_text(dumps(content))
    count = sum(len(entries) for entries in content["calls"].values())
    print(
        f"wrote {KNOWN_MISTAKES.relative_to(REPO_ROOT)}: {count} wrong outputs of "
        f"{len(content['hints'])} named mistakes on {len(content['calls'])} visible inputs"
    )


if __name__ == "__main__":
    main()
