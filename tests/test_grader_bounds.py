"""Is the grader's own work bounded, and does no feedback carry data the student chose?

Student code sees the hidden inputs, so any text it controls (exception names and
messages, reprs, type names, shapes, printed output) could carry them out. These tests
feed such text through the real sandbox and real `nbgrader autograde`, then look for the
hidden arrays, in raw bytes, base64, hex and decimal, in everything grading wrote. They
also check that huge results cost the grader little, that a notebook's cells share one
time budget, and that a grading process that dies takes only its own submission with it.
"""

import base64
import json
import os
import re
import signal
import threading
import time
import traceback
import tracemalloc
from concurrent.futures import Future
from concurrent.futures import as_completed as futures_as_completed
from dataclasses import dataclass

import numpy as np
import psutil
import pytest
from support import (
    FAST_NOTEBOOK_BUDGET,
    hidden_cases,
    make_course,
    nbgrader,
    read_notebook,
    run_outcomes,
)
from tools import scenarios

from convgrade.autograde.sandboxedexecute import OVER_BACKSTOP
from convgrade.batch import scheduler
from convgrade.checks import expect, runner
from convgrade.checks.compare import describe_shape
from convgrade.checks.failures import (
    CheckFailure,
    clean_text,
    describe_error,
    error_location,
    exception_name,
    safe_message,
)
from convgrade.checks.pictures import GAP, LABEL_BAND, MAX_SIDE, comparison_png
from convgrade.sandbox import student_process
from convgrade.sandbox.bwrap import Sandbox
from convgrade.sandbox.kernel import KernelPool
from convgrade.sandbox.student_process import WALL_CLOCK_FACTOR, Returned, WorkerPool

LEAKS = [s for s in scenarios.catalog("hostile") if s.name.startswith("leak_")]
PHOTOS = ["astronaut", "text", "gravel", "coffee"]
WINDOW = 16  # bytes of hidden data that must never appear together
EMBEDDED_IMAGES = re.compile(
    r'(data:image/[a-z+]+;base64,|"image/(?:png|jpeg)": ")[A-Za-z0-9+/=\\n\s"]+'
)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


# ---- the hidden data, and a search for it ---------------------------------------------------
def hidden_arrays():
    """Every hidden input, as the student's code may receive it (its dtype, int64, float64)."""
    cases = hidden_cases()
    arrays = list(cases.arrays().values()) + [cases.photo(name) for name in PHOTOS]
    found = []
    for array in arrays:
        found += [array, array.astype(np.int64), array.astype(np.float64)]
    return found


def _informative(window):
    """Enough distinct bytes that finding it by chance (a run of zeros, say) is impossible."""
    return len(set(window)) >= 8


class LeakSearch:
    """Finds any WINDOW-byte run of the hidden arrays in a text, in four encodings."""

    def __init__(self, arrays):
        self.arrays = arrays

    def find(self, text):
        """The first leak found in `text`, as a short description, or None."""
        text = EMBEDDED_IMAGES.sub("", text)
        raw = text.encode("utf-8", errors="surrogateescape")
        raw_grams = {raw[i : i + WINDOW] for i in range(len(raw) - WINDOW + 1)}
        grams = {n: {text[i : i + n] for i in range(len(text) - n + 1)} for n in (21, 32)}
        numbers = [float(n) for n in NUMBER.findall(text)]
        number_runs = {tuple(numbers[i : i + WINDOW]) for i in range(len(numbers) - WINDOW + 1)}
        for index, array in enumerate(self.arrays):
            data = array.tobytes()
            for start in range(len(data) - WINDOW + 1):
                window = data[start : start + WINDOW]
                if _informative(window) and window in raw_grams:
                    return f"raw bytes of array {index} at {start}"
            for offset in range(3):
                for encode in (base64.b64encode, base64.urlsafe_b64encode):
                    encoded = encode(data[offset:]).decode()
                    for m in range(0, (len(data) - offset - WINDOW) // 3 + 1):
                        chunk = data[offset + 3 * m : offset + 3 * m + WINDOW]
                        if _informative(chunk) and encoded[4 * m : 4 * m + 21] in grams[21]:
                            return f"base64 of array {index} at {offset + 3 * m}"
            hexed = data.hex()
            for start in range(len(data) - WINDOW + 1):
                if not _informative(data[start : start + WINDOW]):
                    continue
                chunk = hexed[2 * start : 2 * start + 32]
                if chunk in grams[32] or chunk.upper() in grams[32]:
                    return f"hex of array {index} at {start}"
            values = array.ravel().astype(float)
            for start in range(len(values) - WINDOW + 1):
                run = tuple(values[start : start + WINDOW])
                if len(set(run)) >= 4 and run in number_runs:
                    return f"decimal values of array {index} at {start}"
        return None


@pytest.fixture(scope="module")
def leak_search():
    return LeakSearch(hidden_arrays())


@pytest.mark.parametrize(
    "encode",
    [
        lambda b: base64.b64encode(b).decode(),
        lambda b: base64.b64encode(b[1:]).decode(),
        lambda b: b.hex(),
        lambda b: b.hex().upper(),
        lambda b: ", ".join(str(v) for v in np.frombuffer(b, dtype=np.uint8)),
    ],
    ids=["base64", "base64-offset", "hex", "HEX", "decimal"],
)
def test_the_search_finds_planted_hidden_data(leak_search, encode):
    """Can the leak search fail? It must find 17 bytes of a hidden photo in any encoding."""
    photo = hidden_cases().photo("gravel")
    chunk = photo.tobytes()[1000:1017]
    text = f"Calling convolve raised ValueError: {encode(chunk)} (cell 3, line 4)"
    assert leak_search.find(text) is not None
    assert leak_search.find("convolve raised ValueError (your convolve cell, line 4)") is None


# ---- what may be repeated of student text ---------------------------------------------------
CELLS = [
    {
        "index": 5,
        "label": "your convolve cell",
        "source": "class KernelShapeError(ValueError):\n    pass\n\n"
        "def convolve(image, kernel):\n    total = image[99, 0]\n",
    }
]
SECRET = base64.b64encode(bytes(range(40, 88))).decode()


@pytest.mark.parametrize(
    "name, shown",
    [
        ("IndexError", "IndexError"),
        ("KernelShapeError", "KernelShapeError"),  # the student's own class, in their source
        (SECRET, None),
        ("L" + bytes(range(48)).hex(), None),
        ("Markup<img src=x onerror=alert(1)>", None),
        ("Index\x1b[2KError", None),
    ],
)
def test_only_standard_or_source_defined_exception_names_are_shown(name, shown):
    assert exception_name(name, CELLS) == shown


@pytest.mark.parametrize(
    "message",
    [
        "index 7 is out of bounds for axis 0 with size 7",
        "operands could not be broadcast together with shapes (3,3) (4,4)",
        "Python integer -1 out of bounds for uint8",
        "name 'image' is not defined",
        "np.convolve is not allowed in this assignment: write the convolution yourself with loops.",
        "division by zero",
    ],
)
def test_standard_messages_are_kept(message):
    assert safe_message(message, CELLS) == message


@pytest.mark.parametrize(
    "message",
    [
        SECRET,
        bytes(range(32)).hex(),
        str(list(range(100, 140))),
        # A template with the data in its numbers: over the digit allowance.
        "index 123456789 is out of bounds for axis 987654321 with size 55555",
        f"name 'v{bytes(range(16)).hex()}' is not defined",  # a name made at run time
        f"'{SECRET[:30]}' object is not callable",
    ],
)
def test_messages_carrying_data_are_left_out(message):
    assert safe_message(message, CELLS) == ""


def test_a_template_keeps_only_its_own_words():
    assert safe_message(f"division by zero {SECRET}") == "division by zero"


def test_the_line_of_code_comes_from_the_graders_copy():
    """Student code can rewrite the line cache: only the cell and line number are used."""
    where = f" (your convolve cell, line 5: {SECRET})"
    assert error_location(where, CELLS) == " (your convolve cell, line 5: total = image[99, 0])"
    assert error_location(" (your convolve cell, line 900: x)", CELLS) == " (your convolve cell)"
    assert error_location(f" ({SECRET}, line 1: x)", CELLS) == ""


def test_malformed_error_reports_are_described_plainly():
    assert describe_error("IndexError: " + SECRET, CELLS) == (
        "an exception of a class made at run time"
    )
    text = describe_error({"type": ["x"], "message": {"a": SECRET}, "where": 7}, CELLS)
    assert SECRET not in text


def test_text_is_cleaned_of_escapes_and_cut():
    text = clean_text("a\x1b[2K\x1b]8;;https://x\x07b\u202ec\r\nd" + "x" * 1000, 50)
    assert text.startswith("ab c dxx") and len(text) == 50
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202e]", text)


def test_returned_shapes_are_spelled_within_bounds():
    assert describe_shape((0, 2**40, 7)) == "(0, more than 99999, 7)"
    assert len(describe_shape((10**18,) * 32)) < 100


# ---- huge results -----------------------------------------------------------------------
def _peak_bytes(action):
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_huge_result_fails_by_its_shape_without_being_copied():
    """A 4000 x 4000 result for a 46 x 46 photo check: a plain failure, a few MB at most."""
    image = hidden_cases().photo("gravel")
    kernel = np.ones((3, 3)) / 9
    huge = Returned("ndarray", array=np.full((4000, 4000), 7, dtype=np.uint8))
    raised = []

    def check():
        try:
            expect.expect_convolution(huge, image, kernel, "convolve on a photo")
        except CheckFailure as failure:
            raised.append(failure)

    assert _peak_bytes(check) < 8 << 20
    assert "returned shape (4000, 4000)" in raised[0].message and raised[0].picture is None


def test_a_picture_of_a_huge_result_is_capped():
    expected = np.random.default_rng(0).random((600, 600))
    actual = np.ones((4000, 3000), dtype=np.uint8)
    pictures = []
    peak = _peak_bytes(lambda: pictures.append(comparison_png(expected, actual)))
    assert peak < 64 << 20
    import imageio.v3 as iio

    height, width = iio.imread(pictures[0]).shape[:2]
    assert height <= LABEL_BAND + MAX_SIDE + 2 and width <= 2 * (MAX_SIDE + 2) + GAP


# ---- a grading process that dies ----------------------------------------------------------
@dataclass
class FakeJob:
    student: str
    more_follow: bool = True  # the scheduler sets it, as on a real Job


def grade_or_die(bundle, job):
    """Stands in for scheduler._grade in the pool: the 'culprit' kills its grading process."""
    if job.student == "culprit":
        time.sleep(0.3)
        os._exit(9)
    time.sleep(0.5)
    return f"graded {job.student}"


def test_a_dead_grading_process_costs_only_its_own_submission():
    """With two workers and the culprit among six jobs, the pool is rebuilt and the five
    bystanders, including those in flight when it died, are graded."""
    students = ["a", "b", "culprit", "c", "d", "e"]
    executor = scheduler._executor(None, 2, None, function=grade_or_die, initializer=None)
    outcomes = run_outcomes(executor, [(FakeJob(s), s) for s in students])
    assert outcomes.pop("culprit") == f"failed: {scheduler.DIED}"
    assert outcomes == {s: f"graded {s}" for s in students if s != "culprit"}


class _InlineExecutor:
    """run_jobs' executor, finishing each job as it is handed out: what it was told."""

    scheduler, slots = None, 2
    as_completed = staticmethod(futures_as_completed)

    def submit(self, job):
        future = Future()
        future.set_result(job.more_follow)
        return future


class _LoggingExecutor(_InlineExecutor):
    """An _InlineExecutor that notes each job it is handed in `events`."""

    def __init__(self, events):
        self.events = events

    def submit(self, job):
        self.events.append(f"hand out {job.student}")
        return super().submit(job)


def test_what_follows_grading_may_start_once_the_last_submission_is_handed_out():
    """all_handed_out is called once, right after the last job is handed to a worker and
    before it finishes: reports.ahead then uses the cores that fall idle."""
    events = []
    jobs = [(FakeJob(s), s) for s in "abcde"]
    scheduler.run_jobs(
        _LoggingExecutor(events),
        jobs,
        lambda f, job, _: events.append(f"done {job.student}"),
        lambda: events.append("all handed out"),
    )
    assert events.count("all handed out") == 1
    at = events.index("all handed out")
    assert events[at - 1] == "hand out e" and "done e" in events[at + 1 :]


def test_a_submission_is_read_when_it_is_handed_out_not_before():
    """The queue holds names; hand_out reads a submission's files only when a worker takes
    it, so the coordinator holds at most one submission per worker, and the one it is
    recording, however large the class."""
    events, held = [], []

    def hand_out(student, key):
        events.append("read")
        held.append(events.count("read") - events.count("done"))
        return FakeJob(student), key

    scheduler.run_jobs(
        _InlineExecutor(),
        [(s, s) for s in "abcdefgh"],
        lambda f, job, _: events.append("done"),
        hand_out=hand_out,
    )
    assert events.count("read") == events.count("done") == 8
    assert max(held) == _InlineExecutor.slots + 1


def test_a_worker_is_handed_its_next_submission_before_its_last_is_recorded():
    """Recording a submission takes the coordinator a few tenths of a second; the worker
    that graded it is already grading the next one meanwhile. Suspects after a crash still
    run alone (test_a_dead_grading_process_costs_only_its_own_submission)."""
    events = []

    def done(future, job, key):
        events.append(f"record {job.student}")

    students = "abcde"
    scheduler.run_jobs(_LoggingExecutor(events), [(FakeJob(s), s) for s in students], done)
    assert sorted(e for e in events if e.startswith("record")) == [f"record {s}" for s in students]
    slots = _InlineExecutor.slots
    for at, event in enumerate(events):
        if event.startswith("record"):
            handed = sum(e.startswith("hand out") for e in events[:at])
            recorded = sum(e.startswith("record") for e in events[:at])
            # In flight: one per worker, and the one being recorded.
            assert handed - recorded == min(slots + 1, len(students) - recorded), events


def test_the_last_submissions_start_no_spare_processes(monkeypatch):
    """A worker whose next submission may never come is told so, and then launches no spare
    kernel or checks process: a spare nobody takes costs the others a second of CPU."""
    told = {}
    jobs = [(FakeJob(s), s) for s in "abcde"]
    scheduler.run_jobs(
        _InlineExecutor(), jobs, lambda f, job, _: told.update({job.student: f.result()})
    )
    assert told == {"a": True, "b": True, "c": True, "d": False, "e": False}

    launched = []
    monkeypatch.setattr(KernelPool, "_launch", classmethod(lambda cls, parent: launched.append(1)))
    monkeypatch.setattr(student_process, "_WorkerProcess", lambda *a: launched.append(2) or "w")
    monkeypatch.setattr(KernelPool, "_spare", None)
    monkeypatch.setattr(WorkerPool, "_spare", None)
    monkeypatch.setattr(KernelPool, "wanted", False)
    monkeypatch.setattr(WorkerPool, "wanted", False)
    KernelPool.refill(parent=None)
    assert WorkerPool.take(Sandbox(), ("numpy",), None) == "w"
    assert launched == [2] and KernelPool._spare is None and WorkerPool._spare is None
    monkeypatch.setattr(KernelPool, "wanted", True)
    monkeypatch.setattr(WorkerPool, "wanted", True)
    KernelPool.refill(parent=None)
    WorkerPool.take(Sandbox(), ("numpy",), None)
    assert launched == [2, 1, 2, 2]


def test_ctrl_c_while_a_submission_is_recorded_waits_until_it_is_recorded_whole():
    """A Ctrl-C between writing a student's autograded folder and recording its state would
    make the next run regrade a student the stopped run counted as graded."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, stop)
    try:
        steps = []
        with pytest.raises(KeyboardInterrupt):
            with scheduler._ctrl_c_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # Python would run the handler here, at its next check
                steps.append("recorded whole")
        assert steps == ["recorded whole"]
        assert signal.getsignal(signal.SIGINT) is stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _busy_worker(process):
    """Is `process` a grading worker with a sandbox below it? False once it is gone."""
    try:
        return "multiprocessing" in " ".join(process.cmdline()) and bool(
            process.children(recursive=True)
        )
    except psutil.Error:  # sandbox processes come and go while the list is made
        return False


@pytest.mark.e2e
def test_killing_a_grading_process_mid_batch_spares_every_submission(tmp_path):
    """A real `convgrade grade` with two workers: one is killed while grading. Every
    student is still graded (the in-flight ones again, alone), none reported failed."""
    from multiprocessing import forkserver

    from convgrade.batch.scheduler import STATE_FILE, grade_class

    root = make_course(tmp_path / "course")
    correct = scenarios.load(scenarios.CATALOG_DIR / "correct" / "instructor_solution.py")
    students = [f"student-{i}" for i in range(4)]
    for student in students:
        scenarios.write_submission(correct, root, student)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    result = {}

    def grade():
        try:
            result["report"] = grade_class(root, jobs=2, progress=False)
        except BaseException:  # shown below, not lost in the thread
            result["error"] = traceback.format_exc()

    thread = threading.Thread(target=grade)
    thread.start()
    state = root / STATE_FILE
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        graded = len(json.loads(state.read_text())) if state.exists() else 0
        # A worker busy grading (it has a sandbox below it), not the fork server the
        # workers are forked from: both run "multiprocessing", and killing the server
        # tests something else (and raced with the pool's rebuild in one CI run).
        server = getattr(forkserver._forkserver, "_forkserver_pid", None)
        workers = [
            p
            for p in psutil.Process().children(recursive=True)
            if p.pid != server and _busy_worker(p)
        ]
        if graded >= 1 and workers:  # grading is under way: kill one busy worker
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    thread.join(600)
    assert killed is not None, "no grading process was found busy"
    assert "error" not in result, result["error"]
    report = result["report"]
    assert report.failed == {}
    assert sorted(report.graded) == students


# ---- the whole path: real nbgrader autograde, leaking and starving students ---------------
@pytest.fixture(scope="module")
def graded_class(graded_catalog):
    """The leak_* and starve_* scenarios, autograded and given feedback by real nbgrader,
    with the rest of the catalog class (tests/support.grade_catalog)."""
    return graded_catalog("nbgrader")


def outputs_of(root, student):
    """Everything grading wrote for a student: autograded folder and feedback."""
    files = []
    for folder in ("autograded", "feedback"):
        files += [p for p in (root / folder / student).rglob("*") if p.is_file()]
    return files


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", LEAKS, ids=lambda s: s.name)
def test_no_hidden_input_can_be_rebuilt_from_what_grading_wrote(
    graded_class, leak_search, scenario
):
    root = graded_class["root"]
    files = outputs_of(root, scenario.name)
    assert any(p.suffix == ".html" for p in files), "feedback must have been written"
    notebook = read_notebook(
        root / "autograded" / scenario.name / "convolutions" / "convolutions.ipynb"
    )
    messages = [
        c["message"]
        for cell in notebook.cells
        for c in cell.metadata.get("convgrade", {}).get("checks", [])
        if not c["passed"]
    ]
    assert messages, "the failing checks must still say something"
    for path in files:
        found = leak_search.find(path.read_text(errors="surrogateescape"))
        assert found is None, f"{path.relative_to(root)}: {found}"


@pytest.mark.e2e
def test_the_batch_survived_every_leaking_and_starving_student(graded_class):
    run = graded_class["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "There was an error processing assignment" not in run.stderr


@pytest.mark.e2e
def test_slow_cells_are_stopped_by_the_notebook_budget(graded_class):
    root = graded_class["root"]
    notebook = read_notebook(
        root / "autograded" / "starve_many_slow_cells" / "convolutions" / "convolutions.ipynb"
    )
    execute = notebook.metadata["convgrade"]["execute"]
    assert execute["stopped"] == "notebook time budget used up"
    # Sleeping costs no CPU time: the wall-clock backstop stops it, plus at most one
    # interrupt's grace and the set-up.
    assert execute["total_seconds"] < FAST_NOTEBOOK_BUDGET * WALL_CLOCK_FACTOR + 8
    # The note says which limit: the cells' run time, not the CPU time they did not use.
    note = OVER_BACKSTOP.format(seconds=FAST_NOTEBOOK_BUDGET * WALL_CLOCK_FACTOR) + "\n"
    skipped = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and any(o.get("text") == note for o in cell.outputs)
    ]
    assert len(skipped) >= 10, "most of the twenty slow cells must have been skipped"
    from convgrade.reports.gradebook_table import _notebook_problems

    problems = _notebook_problems(json.loads(json.dumps(notebook)))
    assert "notebook run stopped: notebook time budget used up" in problems
    graded = {
        cell.metadata.nbgrader["grade_id"]: cell.outputs[-1]["data"]["text/plain"]
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("points")
    }
    points = runner.group_points()
    assert {k: float(v) for k, v in graded.items()} == points, "the budget costs no points"


@pytest.mark.e2e
def test_huge_and_odd_results_are_plain_failures(graded_class):
    root = graded_class["root"]
    for name in ("starve_huge_result", "starve_huge_odd_objects"):
        notebook = read_notebook(root / "autograded" / name / "convolutions" / "convolutions.ipynb")
        for cell in notebook.cells:
            for check in cell.metadata.get("convgrade", {}).get("checks", []):
                assert "could not be completed" not in (check["message"] or ""), check
        photos = next(
            c
            for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == "check_convolve_photos"
        )
        assert float(photos.outputs[-1]["data"]["text/plain"]) == 0.0
