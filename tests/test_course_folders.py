"""Do the grader's paths come from the course configuration, and does the skip-unchanged
fingerprint hash the hidden checks that grading actually uses?"""

import shutil

from support import HIDDEN, REPO
from traitlets.config import Config

from convgrade import course_folders
from convgrade.autograde.hiddenchecks import HiddenChecks
from convgrade.batch.submission_grader import CourseBundle, SubmissionGrader, read_folder

ASSIGNMENT = "convolutions"


def test_is_hidden_dir_taken_from_the_course_root_not_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "course"
    settings = {"CourseDirectory": {"root": str(root)}}
    assert HiddenChecks(config=Config(settings)).hidden_dir == str(root / "tests" / "hidden")
    relative = Config(settings | {"HiddenChecks": {"hidden_dir": "checks/v2"}})
    assert HiddenChecks(config=relative).hidden_dir == str(root / "checks" / "v2")
    assert course_folders.hidden_checks_dir(relative) == root / "checks" / "v2"
    elsewhere = Config(settings | {"HiddenChecks": {"hidden_dir": str(tmp_path / "suite")}})
    assert HiddenChecks(config=elsewhere).hidden_dir == str(tmp_path / "suite")
    # Without a configured root, nbgrader's own default: the working folder.
    assert course_folders.hidden_checks_dir(Config()) == tmp_path / "tests" / "hidden"


def test_is_the_source_notebook_where_nbgrader_keeps_it(tmp_path):
    config = Config({"CourseDirectory": {"root": str(tmp_path), "source_directory": "lessons"}})
    expected = tmp_path / "lessons" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert course_folders.source_notebook(config, ASSIGNMENT) == expected


def _edit(path):
    path.write_bytes(path.read_bytes() + b"\n# edited\n")


def test_does_the_fingerprint_hash_the_configured_hidden_checks(course, tmp_path):
    """Pointing c.HiddenChecks.hidden_dir elsewhere must not let stale grades be skipped."""
    shutil.copy(REPO / "gradebook.db", course)  # the assignment's notebooks, as released
    suite = tmp_path / "suite"
    shutil.copytree(HIDDEN, suite)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.HiddenChecks.hidden_dir = {str(suite)!r}\n")
    before = CourseBundle.from_course(course, ASSIGNMENT)
    assert before.hidden_checks == read_folder(suite)
    # The folder nobody configured changes: nothing to regrade.
    _edit(course / "tests" / "hidden" / "test_kernels.py")
    assert CourseBundle.from_course(course, ASSIGNMENT).fingerprint == before.fingerprint
    # The configured suite changes, a data file or a check: everyone is regraded.
    _edit(suite / "data" / "CREDITS.md")
    after_data = CourseBundle.from_course(course, ASSIGNMENT)
    assert after_data.fingerprint != before.fingerprint
    _edit(suite / "test_kernels.py")
    assert CourseBundle.from_course(course, ASSIGNMENT).fingerprint != after_data.fingerprint


def test_does_the_fingerprint_ignore_python_bytecode(course):
    shutil.copy(REPO / "gradebook.db", course)
    before = CourseBundle.from_course(course, ASSIGNMENT)
    cache = course / "tests" / "hidden" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "conftest.cpython-311.pyc").write_bytes(b"stale")
    after = CourseBundle.from_course(course, ASSIGNMENT)
    assert after.fingerprint == before.fingerprint
    assert not any("__pycache__" in name for name in after.hidden_checks)


def test_does_a_worker_grade_with_the_checks_the_bundle_carries(course):
    """A worker (perhaps on another machine) uses the suite that was fingerprinted, not
    whatever its own folders hold."""
    shutil.copy(REPO / "gradebook.db", course)
    bundle = CourseBundle.from_course(course, ASSIGNMENT)
    shutil.rmtree(course / "tests" / "hidden")
    grader = SubmissionGrader(bundle)
    used = grader.config.HiddenChecks.hidden_dir
    assert used.startswith(str(grader.root))
    assert read_folder(used) == bundle.hidden_checks
