"""Submission folders are vetted before grading: links, FIFOs, devices and huge files refused.

Unit tests make real files of every kind and vet them. The end-to-end tests read the
catalog class, hostile folders among it, as the session graded it through real `nbgrader
autograde` and real `convgrade grade`, and look for the refused content in every byte
written; one more grades through the formgrader's API.
"""

import base64
import os
import signal
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from support import (
    BIN,
    DOORS,
    REPO,
    bystander_mark,
    grade_rows,
    make_course,
    nbgrader,
    read_notebook,
)
from tools import scenarios

from convgrade.autograde.exporter import SubmissionExporter
from convgrade.batch.submission_grader import Job
from convgrade.checks import runner
from convgrade.intake import vetting
from convgrade.intake.vetting import (
    Intake,
    Refused,
    page_type,
    read_regular,
    vet_submission,
)
from convgrade.reports import gradebook_table

POINTS = runner.group_points()
IS_ROOT = os.geteuid() == 0


@contextmanager
def within(seconds):
    """Fail instead of hanging: a blocked open() or read() is interrupted by the alarm."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def submitted(tmp_path):
    """A submitted/ folder with an empty submission folder for student "ana"."""
    (tmp_path / "submitted" / "ana" / "hw").mkdir(parents=True)
    return tmp_path / "submitted"


def folder(submitted):
    return submitted / "ana" / "hw"


def vet(submitted, **limits):
    with within(10):
        return vet_submission(submitted, "ana", "hw", ["hw"], Intake(**limits))


def refused(vetted):
    return {r.path: r.reason for r in vetted.refused}


# ---- unit: every kind of entry ------------------------------------------------------------
def test_are_regular_files_and_folders_read_whole(submitted):
    (folder(submitted) / "images").mkdir()
    (folder(submitted) / "images" / "a.png").write_bytes(b"\x89PNG")
    (folder(submitted) / "hw.ipynb").write_text("{}")
    vetted = vet(submitted)
    assert vetted.files == {"hw.ipynb": b"{}", "images/a.png": b"\x89PNG"}
    assert vetted.refused == []


@pytest.mark.parametrize(
    "name, target",
    [
        ("db", "/etc/passwd"),
        ("other.ipynb", "../../bob/hw/hw.ipynb"),
        ("dangling", "/nonexistent/file"),
        ("folder", "/etc"),
        ("sub/inner", "../../../.."),
    ],
)
def test_is_every_symbolic_link_refused_and_never_followed(submitted, name, target):
    path = folder(submitted) / name
    path.parent.mkdir(exist_ok=True)
    path.symlink_to(target)
    vetted = vet(submitted)
    assert "symbolic link" in refused(vetted)[name]
    assert not any(key.startswith(name) for key in vetted.files)


def test_is_a_notebook_symlink_replaced_by_a_stand_in_that_says_why(submitted):
    (submitted / "bob" / "hw").mkdir(parents=True)
    (submitted / "bob" / "hw" / "hw.ipynb").write_text('{"bob": "work"}')
    (folder(submitted) / "hw.ipynb").symlink_to(submitted / "bob" / "hw" / "hw.ipynb")
    vetted = vet(submitted)
    stand_in = nbformat.reads(vetted.files["hw.ipynb"].decode(), as_version=4)
    assert "symbolic link" in stand_in.metadata["convgrade"]["unreadable"]
    assert b"work" not in vetted.files["hw.ipynb"]
    assert "symbolic link" in vetted.record("hw")["unreadable"]


@pytest.mark.parametrize("name", ["timestamp.txt", "hw.ipynb", "images/photo.png"])
def test_is_a_fifo_refused_without_blocking(submitted, name):
    path = folder(submitted) / name
    path.parent.mkdir(exist_ok=True)
    os.mkfifo(path)
    vetted = vet(submitted)  # within(10): a blocking open would raise TimeoutError
    assert "FIFO" in refused(vetted)[name]
    assert vetted.timestamp is None


def test_is_a_socket_refused(submitted):
    os.mknod(folder(submitted) / "kernel.sock", stat.S_IFSOCK | 0o600)
    assert "socket" in refused(vet(submitted))["kernel.sock"]


@pytest.mark.skipif(not IS_ROOT, reason="mknod of a device needs root")
@pytest.mark.parametrize("name", ["zero", "timestamp.txt", "hw.ipynb"])
def test_is_a_device_refused_unread(submitted, name):
    os.mknod(folder(submitted) / name, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    assert "character device" in refused(vet(submitted))[name]


def test_are_oversized_files_refused_and_the_rest_kept(submitted):
    (folder(submitted) / "hw.ipynb").write_bytes(b"x" * 300)
    (folder(submitted) / "big.bin").write_bytes(b"x" * 200)
    (folder(submitted) / "small.txt").write_bytes(b"x" * 10)
    vetted = vet(submitted, max_notebook_bytes=100, max_file_bytes=100)
    assert "over the" in refused(vetted)["big.bin"] and "over the" in refused(vetted)["hw.ipynb"]
    assert vetted.files["small.txt"] == b"x" * 10
    assert "the notebook hw.ipynb was refused" in vetted.record("hw")["unreadable"]


def test_does_the_total_cap_leave_out_files_past_it(submitted):
    for index in range(5):
        (folder(submitted) / f"f{index}.bin").write_bytes(b"x" * 40)
    vetted = vet(submitted, max_total_bytes=100)
    assert sorted(vetted.files) == ["f0.bin", "f1.bin"]
    assert {"f2.bin", "f3.bin", "f4.bin"} == set(refused(vetted))


def test_does_the_entry_cap_stop_the_walk(submitted):
    (folder(submitted) / "clutter").mkdir()
    for index in range(50):
        (folder(submitted) / "clutter" / f"{index:03d}").touch()
    (folder(submitted) / "hw.ipynb").write_text("{}")  # sorts after "clutter", read first
    vetted = vet(submitted, max_entries=20)
    assert len(vetted.files) == 19 and len(vetted.refused) == 1 and "hw.ipynb" in vetted.files
    assert "more than 20 files and folders" in vetted.refused[0].reason


def test_is_the_notebook_read_before_clutter_can_use_up_the_total(submitted):
    (folder(submitted) / "a.bin").write_bytes(b"x" * 90)
    (folder(submitted) / "hw.ipynb").write_bytes(b"x" * 50)
    vetted = vet(submitted, max_total_bytes=100)
    assert list(vetted.files) == ["hw.ipynb"] and "a.bin" in refused(vetted)


def test_does_the_depth_cap_stop_deep_nesting(submitted):
    deep = folder(submitted).joinpath(*["d"] * 10)
    deep.mkdir(parents=True)
    (deep / "x.txt").touch()
    vetted = vet(submitted, max_depth=5)
    assert vetted.files == {} and "nested deeper" in vetted.refused[0].reason


def test_are_names_with_control_characters_or_bad_bytes_refused_and_shown_safely(submitted):
    (folder(submitted) / "evil\x1b[2J\rname").write_text("x")
    os.close(os.open(bytes(folder(submitted)) + b"/bad\xff", os.O_CREAT | os.O_WRONLY))
    vetted = vet(submitted)
    assert vetted.files == {}
    for refusal in vetted.refused:
        assert refusal.path.isprintable() and "\x1b" not in refusal.path
    assert {r.reason for r in vetted.refused} == {
        "its name holds control or formatting characters",
        "its name is not valid UTF-8",
    }


@pytest.mark.parametrize(
    "name",
    [
        "notes.html",
        "NOTES.HTM",
        "page.shtml",
        "figure.svg",
        "figure.svgz",
        "report.xhtml",
        "feed.xml",
        "style.xsl",
        "saved.mht",
        "script.js",
        "page.html.gz",
        "sub/deeper/index.html",
    ],
)
def test_is_a_file_a_browser_would_run_as_a_page_refused_unread(submitted, name):
    path = folder(submitted) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<script>document.title='owned'</script>")
    (folder(submitted) / "hw.ipynb").write_text("{}")
    vetted = vet(submitted)
    assert set(vetted.files) == {"hw.ipynb"}
    (reason,) = refused(vetted).values()
    assert reason.startswith(f"a file of type {page_type(name)}, which a browser would run")


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "data.csv",
        "README.md",
        "helper.py",
        "values.npy",
        "values.json",
        "a.png",
        "b.JPG",
        "c.gif",
        "report.pdf",
        "other.ipynb",
        "no_extension",
        "archive.zip",
    ],
)
def test_are_pictures_text_and_data_files_kept(submitted, name):
    (folder(submitted) / name).write_bytes(b"data")
    vetted = vet(submitted)
    assert vetted.files == {name: b"data"} and vetted.refused == []


@pytest.mark.parametrize("level", ["student", "assignment"])
def test_is_a_linked_submission_folder_refused_whole(submitted, level):
    (submitted / "bob" / "hw").mkdir(parents=True)
    (submitted / "bob" / "hw" / "hw.ipynb").write_text('{"bob": 1}')
    if level == "student":
        (submitted / "carl").symlink_to(submitted / "bob")
    else:
        (submitted / "carl").mkdir()
        (submitted / "carl" / "hw").symlink_to(submitted / "bob" / "hw")
    vetted = vet_submission(submitted, "carl", "hw", ["hw"])
    assert list(vetted.files) == ["hw.ipynb"] and b'"bob": 1' not in vetted.files["hw.ipynb"]
    assert "submission folder was refused" in vetted.record("hw")["unreadable"]


@pytest.mark.parametrize(
    "content, expected",
    [(b"2026-11-20 10:00:00.000000 UTC\n", "2026-11-20 10:00:00.000000 UTC"), (b"soon", None)],
)
def test_is_only_a_readable_timestamp_kept(submitted, content, expected):
    (folder(submitted) / "timestamp.txt").write_bytes(content)
    vetted = vet(submitted)
    assert vetted.timestamp == expected
    assert ("timestamp.txt" in refused(vetted)) == (expected is None)


def test_does_read_regular_refuse_links_fifos_devices_and_swaps(tmp_path):
    real = tmp_path / "real"
    real.write_bytes(b"data")
    (tmp_path / "link").symlink_to(real)
    os.mkfifo(tmp_path / "fifo")
    with within(10):
        assert read_regular(real, 10) == b"data"
        for name, reason in [("link", "symbolic link"), ("fifo", "FIFO")]:
            with pytest.raises(Refused, match=reason):
                read_regular(tmp_path / name, 10)
        with pytest.raises(Refused, match="character device"):
            read_regular("/dev/zero", 10)
        with pytest.raises(Refused, match="over the"):
            read_regular(real, 3)
        other = tmp_path / "other"
        other.write_bytes(b"x")
        with pytest.raises(Refused, match="changed"):
            read_regular(real, 10, expect=os.lstat(other))


# ---- unit: the exporter reads the notebook the same way -----------------------------------
def export(path, record=None):
    resources = {vetting.RESOURCES_KEY: record} if record else {}
    with within(10):
        output, _ = SubmissionExporter().from_filename(str(path), resources=resources)
    return nbformat.reads(output, as_version=4)


@pytest.mark.parametrize("kind", ["symlink", "fifo", "oversized"])
def test_does_the_exporter_refuse_a_notebook_it_must_not_read(tmp_path, kind):
    path = tmp_path / "hw.ipynb"
    if kind == "symlink":
        (tmp_path / "other.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
        path.symlink_to(tmp_path / "other.ipynb")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as file:
            file.truncate(Intake().max_notebook_bytes + 1)
    notebook = export(path)
    assert "was refused" in notebook.metadata["convgrade"]["unreadable"]


def test_does_the_grader_record_replace_a_submitted_one(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["convgrade"] = {"refused": ["made up"]}
    path = tmp_path / "hw.ipynb"
    path.write_text(nbformat.writes(notebook))
    exported = export(path, {"refused": ["db: a symbolic link"]})
    assert exported.metadata["convgrade"]["refused"] == ["db: a symbolic link"]


def test_does_a_changed_refusal_change_the_jobs_digest():
    plain = Job("ana", {"hw.ipynb": b"{}"})
    linked = Job("ana", {"hw.ipynb": b"{}"}, refused=[vetting.Refusal("db", "a symbolic link")])
    assert plain.digest != linked.digest
    assert linked.record("hw") == {"refused": ["db: a symbolic link"]}


# ---- unit: scenario files shape their folder ----------------------------------------------
def test_do_scenario_folder_lines_make_each_kind(tmp_path):
    scenario = scenarios.Scenario(
        name="x",
        description="",
        folder=[
            ["symlink", "db", "{course}/gradebook.db"],
            ["fifo", "timestamp.txt"],
            ["socket", "s.sock"],
            ["big", "data/big.bin", "2"],
            ["many", "clutter", "3"],
            ["file", "notes.txt", "hello", "there"],
        ],
    )
    path = scenarios.write_submission(scenario, tmp_path, "ana")
    where = path.parent
    assert os.readlink(where / "db") == str(tmp_path.resolve() / "gradebook.db")
    assert stat.S_ISFIFO(os.lstat(where / "timestamp.txt").st_mode)
    assert stat.S_ISSOCK(os.lstat(where / "s.sock").st_mode)
    assert (where / "data" / "big.bin").stat().st_size == 2 << 20
    assert len(list((where / "clutter").iterdir())) == 3
    assert (where / "notes.txt").read_text() == "hello there\n"
    with pytest.raises(ValueError, match="inside the submission folder"):
        scenarios.write_submission(
            scenarios.Scenario("y", "", folder=[["file", "../escape", "x"]]), tmp_path, "ana"
        )


def test_is_the_intake_installed_by_the_course_config():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert vetting.installed()
    assert Intake(config=config).max_notebook_bytes == 16 << 20


def test_is_a_config_without_the_intake_refused(tmp_path):
    from convgrade.autograde.config_check import ConfigProblem, verify_course_config

    text = (REPO / "nbgrader_config.py").read_text().replace("vetting.install()", "")
    (tmp_path / "nbgrader_config.py").write_text(text)
    with pytest.raises(ConfigProblem, match=r"vetting\.install"):
        verify_course_config(tmp_path / "nbgrader_config.py")
    verify_course_config(REPO / "nbgrader_config.py")
    assert vetting.installed()


def test_does_the_formgrader_read_submission_times_safely(submitted):
    from nbgrader.coursedir import CourseDirectory

    os.mkfifo(folder(submitted) / "timestamp.txt")
    (submitted / "bob" / "hw").mkdir(parents=True)
    (submitted / "bob" / "hw" / "timestamp.txt").write_text("2026-11-20 10:00:00 UTC")
    (submitted / "carl" / "hw").mkdir(parents=True)
    (submitted / "carl" / "hw" / "timestamp.txt").symlink_to("/dev/zero")
    api = vetting.VettedNbGraderAPI(CourseDirectory(root=str(submitted.parent)))
    with within(10):
        assert api.get_submitted_timestamp("hw", "ana") is None
        assert api.get_submitted_timestamp("hw", "carl") is None
        assert api.get_submitted_timestamp("hw", "bob").day == 20


def test_does_install_reach_the_formgrader_pages():
    from nbgrader.server_extensions.formgrader import base

    vetting.uninstall()
    assert not vetting.installed()
    vetting.install()
    assert base.NbGraderAPI is vetting.VettedNbGraderAPI and vetting.installed()


def test_do_the_intake_docstring_examples_run():
    import doctest

    failed, tried = doctest.testmod(vetting)
    assert tried > 0 and failed == 0


# ---- end to end: both grading paths, on the catalog class with its hostile folders ---------
HOSTILE = [
    "files_symlink_gradebook",
    "files_symlink_folder",
    "files_symlink_outside_course",
    "files_notebook_symlink_other_student",
    "files_fifo_timestamp",
    "files_fifo_extra_file",
    "files_device_extra_file",
    "files_oversized_notebook",
    "files_extra_pages",
]
REFUSED_NOTEBOOKS = {"files_notebook_symlink_other_student", "files_oversized_notebook"}
# The honest student whose notebook files_notebook_symlink_other_student links to.
BYSTANDER = "bystander-complete"


def secrets(root):
    """What must never be copied into an output: the gradebook, hidden cases, the system's
    files, the grader's reference, another student's work."""
    cases = (REPO / "tests" / "hidden" / "data" / "cases.npz").read_bytes()
    return {
        "gradebook": (root / "gradebook.db").read_bytes()[:16],
        "cases": cases[len(cases) // 2 : len(cases) // 2 + 64],
        "cases base64": base64.b64encode(cases[:48]),
        "passwd": Path("/etc/passwd").read_bytes()[:24],
        "reference": b"Trusted reference answers",
        "other student": bystander_mark(BYSTANDER).encode(),
    }


@pytest.fixture(scope="module", params=DOORS)
def graded(request, catalog_course):
    """The catalog class as the session graded it through one door (support.grade_catalog).
    A hang there (a FIFO opened, /dev/zero read) fails the run through its timeout."""
    root = catalog_course(request.param)
    return {"root": root, "secrets": secrets(root)}


def outputs(root):
    for top in ("autograded", "feedback"):
        yield from (root / top).rglob("*")


@pytest.mark.e2e
def test_are_only_regular_files_written_out(graded):
    odd = [p for p in outputs(graded["root"]) if not (p.is_dir() or p.is_file()) or p.is_symlink()]
    assert odd == []


@pytest.mark.e2e
def test_is_no_refused_content_in_any_output(graded):
    own = graded["root"] / "autograded" / BYSTANDER / "convolutions" / "convolutions.ipynb"
    assert graded["secrets"]["other student"] in own.read_bytes(), "the search can find it"
    leaks = {}
    for path in outputs(graded["root"]):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits = [name for name, secret in graded["secrets"].items() if secret in data]
            if BYSTANDER in path.parts:
                hits = [h for h in hits if h != "other student"]
            if hits:
                leaks[str(path.relative_to(graded["root"]))] = hits
    assert leaks == {}


@pytest.mark.e2e
def test_is_no_output_a_page_a_browser_would_run_but_the_feedback_pages(graded):
    """Whatever the class handed in, nothing in autograded/ or feedback/ is typed as a page
    (HTML, SVG, XML, ...) except the feedback pages the grader wrote; the extra files that
    are not pages are still there."""
    root = graded["root"]
    pages = [
        str(p.relative_to(root))
        for p in outputs(root)
        if p.is_file() and page_type(p.name) and not is_feedback_page(root, p)
    ]
    assert pages == []
    kept = root / "autograded" / "files_extra_pages" / "convolutions"
    assert (kept / "notes.txt").is_file() and (kept / "data" / "values.csv").is_file()


def is_feedback_page(root, path):
    """feedback/<student>/<assignment>/<notebook>.html, for a notebook the student handed in."""
    parts = path.relative_to(root).parts
    return (
        len(parts) == 4
        and parts[0] == "feedback"
        and path.suffix == ".html"
        and (root / "autograded" / parts[1] / parts[2] / f"{path.stem}.ipynb").is_file()
    )


@pytest.mark.e2e
def test_are_bystanders_and_extra_file_scenarios_graded_in_full(graded):
    full = [BYSTANDER, *(n for n in HOSTILE if n not in REFUSED_NOTEBOOKS)]
    for student in full:
        scores = {c: a for _, c, a, _ in grade_rows(graded["root"], student) if c in POINTS}
        assert scores == POINTS, student


@pytest.mark.e2e
@pytest.mark.parametrize("student", sorted(REFUSED_NOTEBOOKS))
def test_does_a_refused_notebook_score_zero_with_the_reason_in_its_feedback(graded, student):
    scores = {c: a for _, c, a, _ in grade_rows(graded["root"], student) if c in POINTS}
    assert set(scores) == set(POINTS) and set(scores.values()) == {0.0}
    page = graded["root"] / "feedback" / student / "convolutions" / "convolutions.html"
    assert "was refused" in page.read_text()


@pytest.mark.e2e
@pytest.mark.parametrize(
    "student, expected",
    [
        ("files_symlink_gradebook", ["gradebook.db: a symbolic link", "data/cases.npz: a symb"]),
        ("files_symlink_folder", ["hidden: a symbolic link", "images/course: a symbolic link"]),
        ("files_symlink_outside_course", ["reference.py: a symbolic", "notes/passwd.txt: a sym"]),
        ("files_fifo_timestamp", ["timestamp.txt: a named pipe"]),
        ("files_fifo_extra_file", ["images/camera.png: a named pipe", "kernel.sock: a socket"]),
        ("files_notebook_symlink_other_student", ["convolutions.ipynb was refused: a symbolic"]),
        ("files_oversized_notebook", ["convolutions.ipynb was refused: 20.0 MiB"]),
        ("files_extra_pages", ["notes.html: a file of type text/html", "REPORT.XHTML: a file"]),
    ]
    + ([("files_device_extra_file", ["timestamp.txt: a character device"])] if IS_ROOT else []),
)
def test_is_each_refusal_recorded_by_name_for_the_problem_report(graded, student, expected):
    found = gradebook_table.problems(graded["root"] / "autograded").get(student, [])
    for text in expected:
        assert any(text in line for line in found), (text, found)


@pytest.mark.e2e
def test_does_the_formgrader_autograde_button_vet_too(tmp_path):
    """NbGraderAPI.autograde, as the formgrader's button calls it, in a fresh process."""
    root = make_course(tmp_path / "course")
    honest = scenarios.load(scenarios.CATALOG_DIR / "correct" / "instructor_solution.py")
    scenarios.write_submission(honest, root, BYSTANDER)
    for name in ["files_notebook_symlink_other_student", "files_fifo_timestamp"]:
        scenario = scenarios.load(scenarios.CATALOG_DIR / "hostile" / f"{name}.py")
        scenarios.write_submission(scenario, root, name)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    student = "files_notebook_symlink_other_student"
    script = f"""
import json
from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.server_extensions.formgrader import base  # the server imports it first
app = NbGrader()
app.load_config_file()  # as the formgrader does: this runs nbgrader_config.py
coursedir = CourseDirectory(config=app.config, root={str(root)!r})
api = base.NbGraderAPI(coursedir, Authenticator(config=app.config), config=app.config)
# The submissions page reads each timestamp.txt: a FIFO there must not stop the server.
assert api.get_submitted_timestamp("convolutions", "files_fifo_timestamp") is None
print(json.dumps(api.autograde("convolutions", {student!r}, force=True)["success"]))
"""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.stdout.strip().endswith("true"), run.stderr[-3000:]
    scores = {c: a for _, c, a, _ in grade_rows(root, student) if c in POINTS}
    assert set(scores.values()) == {0.0}
    notebook = read_notebook(root / "autograded" / student / "convolutions" / "convolutions.ipynb")
    assert "symbolic link" in notebook.metadata["convgrade"]["unreadable"]
