"""The instructor's tools on hostile notebooks: forged records, escape codes, temporary copies.

The tools_* scenarios in tests/catalog/hostile/ are graded by real `convgrade grade` (and
two of them by real `nbgrader autograde`); then the real `convgrade problems`, `summary`
and `report` commands must finish, show no forged record, and print no byte that a
terminal would act on. Grading runs with its own TMPDIR, so we can see what it leaves.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
import unicodedata

import nbformat
import psutil
import pytest
from support import BIN, convgrade, grade_rows, make_course, nbgrader, read_notebook
from tools import scenarios

from convgrade.autograde.exporter import placeholder
from convgrade.checks import runner
from convgrade.contract import (
    MAX_ITEMS,
    CheckRecord,
    Mistake,
    NotebookRecord,
    read_records,
    strip_submitted_records,
)
from convgrade.plain_text import UNSAFE_CATEGORIES, label, plain

TOOLS = [s for s in scenarios.catalog("hostile") if s.name.startswith("tools_")]
BYSTANDER = "correct/instructor_solution"
POINTS = runner.group_points()
FAST_LIMITS = """
c.Execute.timeout = 8
c.HiddenChecks.call_timeout = 3.0
c.HiddenChecks.load_timeout = 8.0
"""
# Text that acts on a terminal or reorders what is shown: none may reach stdout or a page.
PAYLOADS = {
    "csi": "\x1b[2K\x1b[1A\x1b[31m",
    "osc8": "\x1b]8;;https://example.invalid/\x07link\x1b]8;;\x1b\\",
    "carriage return": "hidden\rshown",
    "backspace": "abc\b\b\b",
    "c1 csi": "\x9b2J",
    "next line": "a\x85b",
    "bidi override": "\u202eevil\u202c",
    "bidi isolate": "\u2066x\u2069",
    "zero width": "a\u200bb",
    "line separator": "a\u2028b",
    "lone surrogate": "\ud800",
}


def unsafe(text):
    """The characters of `text` a terminal or a bidi renderer would act on, bar line ends."""
    return sorted({c for c in text if unicodedata.category(c) in UNSAFE_CATEGORIES} - {"\n"})


def private_tmp(base):
    tmp = base / "tmp"
    tmp.mkdir()
    return tmp, dict(os.environ, TMPDIR=str(tmp))


def leftovers(tmp):
    """Gradebook copies, and any convgrade folder, left in a TMPDIR."""
    return sorted(
        str(p.relative_to(tmp))
        for p in tmp.rglob("*")
        if p.name == "gradebook.db" or (p.parent == tmp and p.name.startswith("convgrade-"))
    )


# ---- the escaping helper --------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_plain_leaves_nothing_a_terminal_would_act_on(payload):
    text = plain(f"before {payload} after")
    assert unsafe(text) == []
    text.encode("utf-8")  # a lone surrogate would raise here, and crash a print()
    assert text.startswith("before ") and text.endswith(" after")


def test_plain_cuts_long_text_and_survives_a_hostile_str():
    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert len(plain("x" * 10_000, limit=50)) == 50
    assert plain(Hostile()) == "<unprintable Hostile>"


def test_a_label_with_broken_mathtext_draws_as_text():
    from matplotlib.figure import Figure

    def draw(text):
        figure = Figure()
        figure.subplots().set_title(text)
        figure.savefig(io.BytesIO(), format="png")

    broken = r"$\undefinedcommand{x$"
    with pytest.raises(ValueError):
        draw(broken)  # what the report did with a name from a notebook
    draw(label(broken))


# ---- reading records ------------------------------------------------------------------------
def _notebook(info=None, cells=()):
    notebook = nbformat.v4.new_notebook(cells=list(cells))
    if info is not None:
        notebook.metadata["convgrade"] = info
    return notebook


def _test_cell(checks, grade_id="check_convolve_shape"):
    cell = nbformat.v4.new_code_cell("")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id}
    cell.metadata["convgrade"] = {"checks": checks}
    return cell


GOOD_CHECK = {"name": "test_shape", "passed": False, "misconception": "flipped kernel"}


@pytest.mark.parametrize(
    "notebook",
    [
        _notebook("not a dict"),
        _notebook({"repairs": "text"}),
        _notebook({"repairs": [1, 2]}),
        _notebook({"timeouts": {"convolve": "many"}}),
        _notebook({"forbidden": {"convolve": [{"x": 1}]}}),
        _notebook({"crashes": ["x"] * (MAX_ITEMS + 1)}),
        _notebook({"seconds": float("nan")}),
        _notebook(cells=[_test_cell([GOOD_CHECK | {"misconception": "invented mistake"}])]),
        _notebook(cells=[_test_cell([GOOD_CHECK | {"passed": "yes"}])]),
        _notebook(cells=[_test_cell([GOOD_CHECK | {"name": ["list"]}])]),
        _notebook(cells=[_test_cell([GOOD_CHECK] * (MAX_ITEMS + 1))]),
        _notebook(cells=[_test_cell(5)]),
        _notebook(cells=[_test_cell([{"passed": True}])]),
        _notebook(cells=[nbformat.v4.new_markdown_cell(metadata={"convgrade": {"checks": []}})]),
    ],
    ids=lambda n: json.dumps(n, default=str)[:60],
)
def test_a_malformed_record_is_ignored_with_a_reason(notebook):
    records = read_records(notebook)
    assert records.info == NotebookRecord() and records.checks == []
    assert len(records.rejected) == 1 and "ignored" in records.rejected[0]


def test_a_well_formed_record_is_read():
    records = read_records(_notebook({"repairs": ["restored x"]}, [_test_cell([GOOD_CHECK])]))
    assert records.info == NotebookRecord(repairs=["restored x"]) and records.rejected == []
    flipped = CheckRecord("test_shape", passed=False, misconception=Mistake.FLIPPED_KERNEL)
    assert records.checks == [("check_convolve_shape", flipped)]


def test_only_this_process_stand_in_keeps_its_record():
    own = placeholder("the file is empty")
    strip_submitted_records(own)
    assert own.metadata["convgrade"] == {"unreadable": "the file is empty"}
    imitation = json.loads(json.dumps(placeholder("the file is empty")))
    imitation["metadata"]["convgrade"]["made_by"] = "0" * 32
    assert strip_submitted_records(imitation) == ["notebook metadata"]
    assert "convgrade" not in imitation["metadata"]


# ---- real grading ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("tools")
    root = make_course(base / "course")
    (root / "nbgrader_config.py").write_text(
        (root / "nbgrader_config.py").read_text() + FAST_LIMITS
    )
    scenarios.write_submission(
        scenarios.load(scenarios.CATALOG_DIR / f"{BYSTANDER}.py"), root, "bystander"
    )
    for scenario in TOOLS:
        scenarios.write_submission(scenario, root, scenario.name)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    tmp, env = private_tmp(base)
    run = convgrade(root, "grade", "--jobs", "2", "--force", env=env)
    return {"root": root, "run": run, "tmp": tmp, "env": env}


def _forged(text):
    return [line for line in text.splitlines() if "FORGED" in line]


@pytest.mark.e2e
def test_grading_finishes_and_no_forgery_earns_or_costs_a_point(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    for scenario in TOOLS:
        scores = {c: s for _, c, s, _ in grade_rows(graded["root"], scenario.name) if c in POINTS}
        if "zero" in scenario.expect:
            assert set(scores.values()) == {0.0}, scenario.name
        if scenario.expects_full_marks:
            assert scores == POINTS, scenario.name
        if scenario.lost_cells:  # forged records on a wrong answer: exactly those cells lost
            lost = {cell for cell, points in scores.items() if points < POINTS[cell]}
            assert lost == scenario.lost_cells, scenario.name


@pytest.mark.e2e
def test_no_forged_record_survives_into_an_autograded_notebook(graded):
    for scenario in TOOLS:
        notebook = read_notebook(
            graded["root"] / "autograded" / scenario.name / "convolutions" / "convolutions.ipynb"
        )
        metadata = [notebook.metadata] + [cell.metadata for cell in notebook.cells]
        assert _forged(json.dumps(metadata, indent=1)) == [], scenario.name
        assert read_records(notebook).rejected == [], scenario.name


@pytest.mark.e2e
def test_problems_summary_and_report_run_and_show_no_forgery(graded):
    root, env = graded["root"], graded["env"]
    problems = convgrade(root, "problems", env=env)
    summary = convgrade(root, "summary", env=env)
    report = convgrade(root, "report", env=env)
    for run in (problems, summary, report):
        assert run.returncode == 0, run.stderr[-2000:]
    page = (root / "reports" / "convolutions.html").read_text()
    assert _forged(problems.stdout + summary.stdout + page) == []
    assert "tools_forged_records_markdown: repaired: removed grading records" in problems.stdout
    # The escaped grade_ids are named, as inert text.
    assert "ESCAPED-ANSI" in problems.stdout and "ESCAPED-OSC" in problems.stdout
    assert "\\x1b[2K" in problems.stdout and "\\u202e" in problems.stdout
    for text in (problems.stdout, summary.stdout, page):
        assert unsafe(text) == []


@pytest.mark.e2e
def test_grading_leaves_no_gradebook_copy_in_tmp(graded):
    assert leftovers(graded["tmp"]) == []


@pytest.mark.e2e
def test_plain_nbgrader_strips_forged_records_too(graded):
    root = graded["root"]
    names = ["tools_forged_records_markdown", "tools_forged_records_notebook"]
    for name in names:
        nbgrader(root, "autograde", "convolutions", "--student", name, "--force")
    found = convgrade(root, "problems", env=graded["env"])
    assert found.returncode == 0 and _forged(found.stdout) == []
    for name in names:
        path = root / "autograded" / name / "convolutions" / "convolutions.ipynb"
        assert _forged(json.dumps(read_notebook(path).metadata)) == []
        assert f"{name}: repaired: removed grading records" in found.stdout


@pytest.mark.e2e
def test_a_killed_worker_leaves_no_gradebook_copy(tmp_path):
    root = make_course(tmp_path / "course")
    bystander = scenarios.load(scenarios.CATALOG_DIR / f"{BYSTANDER}.py")
    for index in range(3):
        scenarios.write_submission(bystander, root, f"student{index}")
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    tmp, env = private_tmp(tmp_path)
    env["PATH"] = f"{BIN}:{os.environ['PATH']}"
    run = subprocess.Popen(
        [sys.executable, "-m", "convgrade.cli", "grade", "--jobs", "1", "--no-feedback"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not list(tmp.glob("convgrade-course*/gradebook.db")):
            assert time.monotonic() < deadline and run.poll() is None, "no worker started"
            time.sleep(0.1)
        workers = [
            p
            for p in psutil.Process(run.pid).children(recursive=True)
            if "multiprocessing" in " ".join(p.cmdline())
        ]
        assert workers, "the grading worker process was not found"
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
        run.wait(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert not [p for p in leftovers(tmp) if p.endswith("gradebook.db")]
