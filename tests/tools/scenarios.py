"""Synthetic submissions: build a student notebook from a scenario file.

A scenario file is Python in the "percent" cell format, so the student code in it reads
and lints like code::

    \"\"\"Slides the flipped kernel: textbook convolution, not this lesson's.\"\"\"
    # expect: misconception=flipped kernel
    # %% convolve
    def convolve(image, kernel):
        ...

Header lines, before the first ``# %%``:

- ``# expect: full-marks`` or ``# expect: misconception=NAME`` (repeatable) or
  ``# expect: loses=GRADE_ID`` (repeatable) or ``# expect: zero because REASON``: what
  grading must find. For a hostile scenario the ``loses=`` list is complete: every graded
  cell it does not name must keep its full points. ``zero`` needs its reason: a hostile
  scenario that scores zero whatever the sandbox does proves nothing about the sandbox,
  so zero is kept only where no other score is right (no readable notebook, a test cell
  the student tampered with);
- ``# attack: KIND`` (hostile scenarios): what the scenario attacks, one of ATTACKS;
- ``# blocked: REGEX`` (repeatable): text that must appear in the autograded notebook's
  outputs or the grader's records, proving the action was stopped (e.g. the OSError of a
  refused connection); ``# escaped: REGEX`` (repeatable): a marker the scenario prints
  only if the action succeeded, which must not appear;
- ``# base: release`` starts from the untouched release instead of the instructor's answers;
- ``# tamper: OPERATION ARGS``: damage the notebook file the way a student might (see TAMPERS);
- ``# folder: KIND ARGS`` (repeatable): put something else in the submission folder, next to
  the notebook, when `write_submission` writes it (see FOLDER_ENTRIES). NAME is relative to
  the submission folder; TARGET may use ``{course}`` (the course folder), ``{submitted}``
  (its submitted/ folder), ``{folder}`` (this submission's folder) and ``{repo}`` (this
  repository, which holds the hidden checks and the grader):

  - ``symlink NAME TARGET``: a symbolic link, to a file or a folder (``/etc/passwd``,
    ``{course}/gradebook.db``, ``{course}/tests/hidden/data/cases.npz``,
    ``{submitted}/OTHER_STUDENT/convolutions/convolutions.ipynb``, ``/etc``);
  - ``notebook-symlink TARGET``: the notebook itself is a link to TARGET;
  - ``fifo NAME``, ``socket NAME``: a named pipe, a socket;
  - ``device NAME``: a character device that reads like /dev/zero (needs root; without
    it the entry is left out and the scenario is an ordinary submission);
  - ``big NAME MIB``: a file of MIB mebibytes (sparse, cheap to make; NAME may be the notebook);
  - ``many FOLDER COUNT``: COUNT empty files in FOLDER;
  - ``file NAME TEXT...``: a small text file.

Each ``# %% GRADE_ID`` section replaces that answer cell's source; ``# %% GRADE_ID
after-answer`` keeps the instructor's answer and adds the section after it (an attack on
top of a correct answer, which then must not cost a point); ``# %% new-cell`` appends a
cell the student added, with no nbgrader metadata.
"""

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from convgrade.contract import MISTAKE_NAMES, Mistake
from tools.repo import REPO_ROOT, SOURCE_NOTEBOOK

RELEASE_NOTEBOOK = REPO_ROOT / "release" / "convolutions" / "convolutions.ipynb"
CATALOG_DIR = REPO_ROOT / "tests" / "catalog"
SOLUTION_REGION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
SECTION = re.compile(r"^# %% *(.+?) *$", re.MULTILINE)
AFTER_ANSWER = " after-answer"
# What a hostile scenario attacks (`# attack:`).
ATTACKS = {
    "sandbox": "escapes or breaks the sandbox: network, processes, memory, files, secrets",
    "resources": "starves the grader of time, memory or output room",
    "leak": "carries the hidden inputs out in outputs, errors or results",
    "scoring": "the attack is the answer: forbidden routines, forged results, crashes",
    "notebook": "damages the notebook file or its test cells",
    "files": "puts odd things in the submission folder",
    "render": "aims at the pages people read: feedback, formgrader, terminal",
}
# Attacks on the sandbox and the batch, not on the score: their scenarios start from the
# instructor's answers and keep every point the attack does not deliberately break, so a
# sandbox that fails open, or a batch that loses the student, makes their tests fail. A
# blank notebook would score zero whatever the sandbox did.
SCORE_KEPT = {"sandbox", "resources", "leak"}
# Attacks whose scenarios must show, with `# blocked:`, that the action was stopped.
NEEDS_EVIDENCE = {"sandbox"}


@dataclass
class Scenario:
    """A synthetic submission: which answer cells it replaces, how it tampers, what to expect."""

    name: str
    description: str
    cells: dict = field(default_factory=dict)  # grade_id (or "new-cell N") -> source
    expect: list = field(default_factory=list)
    base: str = "solution"
    tampers: list = field(default_factory=list)
    folder: list = field(default_factory=list)  # [KIND, ARGS...] per `# folder:` line
    after_answer: set = field(default_factory=set)  # grade_ids whose section follows the answer
    attack: str = ""
    zero_reason: str = ""
    blocked: list = field(default_factory=list)  # compiled regexes that must match
    escaped: list = field(default_factory=list)  # compiled regexes that must not match

    @property
    def misconceptions(self):
        """The mistakes grading must name, as Mistake members (load() checked the names)."""
        return [Mistake(e.split("=", 1)[1]) for e in self.expect if e.startswith("misconception=")]

    @property
    def expects_full_marks(self):
        return "full-marks" in self.expect

    @property
    def lost_cells(self):
        """The graded cells grading must fail (from ``loses=``)."""
        return {e.split("=", 1)[1] for e in self.expect if e.startswith("loses=")}


def load(path):
    """Read a scenario file."""
    path = Path(path)
    text = path.read_text()
    sections = SECTION.split(text)
    header, rest = sections[0], sections[1:]
    docstring = re.match(r'\s*"""(.*?)"""', header, re.DOTALL)
    scenario = Scenario(name=path.stem, description=docstring.group(1).strip() if docstring else "")
    for line in header.splitlines():
        if match := re.match(
            r"# (expect|base|tamper|folder|attack|blocked|escaped): *(.+)$", line.strip()
        ):
            key, value = match.groups()
            if key == "expect" and value.strip().startswith("zero"):
                scenario.expect.append("zero")
                scenario.zero_reason = value.strip().removeprefix("zero").strip()
            elif key == "expect":
                mistake = value.strip().partition("misconception=")[2]
                if value.strip().startswith("misconception=") and mistake not in MISTAKE_NAMES:
                    # A typo would otherwise expect a mistake no check can ever name.
                    raise ValueError(f"scenario {path.stem}: unknown mistake {mistake!r}")
                scenario.expect.append(value.strip())
            elif key == "base":
                scenario.base = value.strip()
            elif key == "attack":
                if value.strip() not in ATTACKS:
                    raise ValueError(f"scenario {path.stem}: unknown attack {value!r}")
                scenario.attack = value.strip()
            elif key in ("blocked", "escaped"):
                getattr(scenario, key).append(re.compile(value.strip()))
            elif key == "folder":
                if value.split()[0] not in FOLDER_ENTRIES:
                    raise ValueError(f"scenario {path.stem}: unknown folder entry {value!r}")
                scenario.folder.append(value.split())
            else:
                scenario.tampers.append(value.split())
    for index in range(0, len(rest), 2):
        name, source = rest[index], rest[index + 1].strip("\n")
        if name == "new-cell":
            name = f"new-cell {index}"
        if name.endswith(AFTER_ANSWER):
            name = name.removesuffix(AFTER_ANSWER)
            scenario.after_answer.add(name)
        scenario.cells[name] = source + "\n" if source else ""
    return scenario


def evidence_text(notebook):
    """What ``# blocked:`` and ``# escaped:`` are matched against: the text of every output
    of an autograded notebook (streams, errors' names and messages, plain-text results) and
    the grader's records (its ``convgrade`` metadata), one piece a line. Tracebacks are left
    out: they quote the scenario's source, which names its own success marker."""
    pieces = [json.dumps(notebook.get("metadata", {}).get("convgrade", {}))]
    for cell in notebook.get("cells", []):
        pieces.append(json.dumps(cell.get("metadata", {}).get("convgrade", {})))
        for output in cell.get("outputs", []):
            pieces.append(_text(output.get("text", "")))
            pieces.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
            pieces.append(_text(output.get("data", {}).get("text/plain", "")))
    return "\n".join(p for p in pieces if p)


def _text(value):
    return "\n".join(value) if isinstance(value, list) else str(value)


def catalog(kind):
    """All scenarios under tests/catalog/<kind>/, sorted by name."""
    return [load(p) for p in sorted((CATALOG_DIR / kind).glob("*.py"))]


def _answer(source_cell):
    """The instructor's answer without nbgrader's solution markers."""
    return SOLUTION_REGION.sub("", source_cell.source)


def build(scenario, release=RELEASE_NOTEBOOK, source=SOURCE_NOTEBOOK):
    """The scenario's notebook, as the bytes a student would submit."""
    notebook = nbformat.read(str(release), as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: _answer(c)
        for c in nbformat.read(str(source), as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in scenario.after_answer:
            cell.source = answers[grade_id].rstrip("\n") + "\n\n\n" + scenario.cells[grade_id]
        elif grade_id in scenario.cells:
            cell.source = scenario.cells[grade_id]
        elif scenario.base == "solution" and grade_id in answers:
            cell.source = answers[grade_id]
    for name, source in scenario.cells.items():
        if name.startswith("new-cell"):
            notebook.cells.append(new_code_cell(source))
    unknown = [
        n
        for n in scenario.cells
        if not n.startswith("new-cell")
        and n not in {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
    ]
    if unknown:
        raise ValueError(f"scenario {scenario.name} names unknown cells: {unknown}")
    data = nbformat.writes(notebook)
    for operation, *args in scenario.tampers:
        data = TAMPERS[operation](data, *args)
    return data.encode() if isinstance(data, str) else data


# ---- ways a submitted file gets damaged --------------------------------------------------
def _edit(data, change):
    notebook = json.loads(data)
    change(notebook)
    return json.dumps(notebook, indent=1)


def _cells_with_id(notebook, grade_id):
    return [
        c
        for c in notebook["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id
    ]


def delete_cell(data, grade_id):
    def change(notebook):
        for cell in _cells_with_id(notebook, grade_id):
            notebook["cells"].remove(cell)

    return _edit(data, change)


def flip_cell_type(data, grade_id):
    """Turn a code cell into markdown (or back), metadata and all."""

    def change(notebook):
        for cell in _cells_with_id(notebook, grade_id):
            if cell["cell_type"] == "code":
                cell["cell_type"] = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            else:
                cell.update(cell_type="code", outputs=[], execution_count=None)

    return _edit(data, change)


def strip_metadata(data, grade_id="*"):
    """Remove nbgrader's metadata from one cell, or from all of them."""

    def change(notebook):
        for cell in notebook["cells"]:
            nbgrader = cell.get("metadata", {}).get("nbgrader", {})
            if grade_id == "*" or nbgrader.get("grade_id") == grade_id:
                cell["metadata"].pop("nbgrader", None)

    return _edit(data, change)


def edit_metadata(data, grade_id, key, value):
    """Change one nbgrader metadata field, e.g. make a test cell a solution cell."""

    def change(notebook):
        for cell in _cells_with_id(notebook, grade_id):
            cell["metadata"]["nbgrader"][key] = json.loads(value)

    return _edit(data, change)


def edit_source(data, grade_id, *words):
    """Replace a (locked or test) cell's source with the given words."""

    def change(notebook):
        for cell in _cells_with_id(notebook, grade_id):
            cell["source"] = " ".join(words).replace("\\n", "\n")

    return _edit(data, change)


def set_metadata(data, where, key, *json_words):
    """Set any metadata key (not only nbgrader's) to a JSON value, where a student could.

    `where` is ``notebook``, ``markdown`` (every markdown cell), ``last`` (the last cell,
    e.g. one added with ``# %% new-cell``) or a grade_id. JSON escapes such as ``\\u001b``
    put control characters in without writing them into the scenario file.
    """
    value = json.loads(" ".join(json_words))

    def change(notebook):
        if where == "notebook":
            targets = [notebook]
        elif where == "markdown":
            targets = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
        elif where == "last":
            targets = notebook["cells"][-1:]
        else:
            targets = _cells_with_id(notebook, where)
        if not targets:
            raise ValueError(f"set-metadata: nothing matches {where!r}")
        for target in targets:
            target.setdefault("metadata", {})[key] = value

    return _edit(data, change)


def replace_file(data, kind):
    """Replace the whole file: 'not-json', 'empty', 'binary', 'not-a-notebook'."""
    return {
        "not-json": '{"cells": [ {"cell_type": "code", "source": "oops',
        "empty": "",
        "binary": bytes(range(256)) * 4,
        "not-a-notebook": json.dumps({"hello": "world"}),
    }[kind]


TAMPERS = {
    "delete-cell": delete_cell,
    "flip-cell-type": flip_cell_type,
    "strip-metadata": strip_metadata,
    "edit-metadata": edit_metadata,
    "edit-source": edit_source,
    "set-metadata": set_metadata,
    "replace-file": replace_file,
}


def write_submission(scenario, course_root, student_id, assignment="convolutions"):
    """Write the scenario into course_root/submitted/<student>/<assignment>/ and return the path."""
    folder = Path(course_root) / "submitted" / student_id / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    _clear(path)
    path.write_bytes(build(scenario))
    places = {
        "course": str(Path(course_root).resolve()),
        "submitted": str(Path(course_root).resolve() / "submitted"),
        "folder": str(folder.resolve()),
        "repo": str(REPO_ROOT),
    }
    for kind, *args in scenario.folder:
        FOLDER_ENTRIES[kind](folder, assignment, places, *args)
    return path


# ---- what else a student can put in a submission folder ----------------------------------
def _entry(folder, name):
    """folder/name, for a name that stays inside the folder; emptied for the new entry."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ValueError(f"folder entry {name!r} must stay inside the submission folder")
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    _clear(path)
    return path


def _clear(path):
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()


def add_symlink(folder, assignment, places, name, target):
    _entry(folder, name).symlink_to(target.format(**places))


def add_notebook_symlink(folder, assignment, places, target):
    add_symlink(folder, assignment, places, f"{assignment}.ipynb", target)


def add_fifo(folder, assignment, places, name):
    os.mkfifo(_entry(folder, name))


def add_socket(folder, assignment, places, name):
    os.mknod(_entry(folder, name), stat.S_IFSOCK | 0o600)


def add_device(folder, assignment, places, name):
    try:  # char 1:5 is /dev/zero: endless bytes to whoever reads it
        os.mknod(_entry(folder, name), stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        print(f"scenario: cannot make a device {name} without root; left out")


def add_big(folder, assignment, places, name, mib):
    with open(_entry(folder, name), "wb") as file:
        file.truncate(int(float(mib) * (1 << 20)))


def add_many(folder, assignment, places, name, count):
    for index in range(int(count)):
        _entry(folder, f"{name}/{index:05d}.txt").touch()


def add_file(folder, assignment, places, name, *words):
    _entry(folder, name).write_text(" ".join(words) + "\n")


FOLDER_ENTRIES = {
    "symlink": add_symlink,
    "notebook-symlink": add_notebook_symlink,
    "fifo": add_fifo,
    "socket": add_socket,
    "device": add_device,
    "big": add_big,
    "many": add_many,
    "file": add_file,
}


def main(argv=None):
    """`python -m tools.scenarios FILE`: build one catalog scenario and run the hidden checks."""
    import argparse

    from convgrade.checks import runner
    from convgrade.checks.submission import Submission

    parser = argparse.ArgumentParser(prog="python -m tools.scenarios", description=main.__doc__)
    parser.add_argument("path", help="a scenario file under tests/catalog/")
    scenario = load(parser.parse_args(argv).path)
    print(f"{scenario.name}: {scenario.description}\nexpects: {scenario.expect}")
    notebook = nbformat.reads(build(scenario).decode(), as_version=4)
    with Submission.from_notebook(notebook, files_dir=RELEASE_NOTEBOOK.parent) as submission:
        groups = runner.run_hidden_checks(submission, REPO_ROOT / "tests" / "hidden")
    print("\n".join(runner.format_groups(groups, runner.group_points(SOURCE_NOTEBOOK))))


if __name__ == "__main__":
    main()
