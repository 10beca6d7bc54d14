"""Helpers shared by the project's tests: paths, and running real nbgrader."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "convolutions"
RELEASE = REPO / "release" / "convolutions"
HIDDEN = REPO / "tests" / "hidden"
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "tests" / "artifacts"


def nbgrader(course_root, *args, check=True, timeout=600, env=None):
    """Run a real nbgrader command in `course_root`; return the CompletedProcess."""
    env = env or dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def convgrade(course_root, *args, env=None, timeout=900):
    """Run a real `convgrade` command in `course_root`; return the CompletedProcess."""
    env = dict(env or os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    return subprocess.run(
        [sys.executable, "-m", "convgrade.cli", *args],
        cwd=course_root,
        env=env,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=timeout,
    )


def grade_through(course_root, door, env=None, timeout=1800):
    """Grade every submission, feedback included, through one of the two doors:
    "nbgrader" (`nbgrader autograde` then `generate_feedback`) or "convgrade"
    (`convgrade grade`). Both regrade everyone (--force). Returns one CompletedProcess."""
    if door == "convgrade":
        return convgrade(course_root, "grade", "--jobs", "2", "--force", env=env, timeout=timeout)
    env = env and dict(env, PATH=f"{BIN}:{env.get('PATH', os.environ['PATH'])}")
    run = nbgrader(
        course_root, "autograde", "convolutions", "--force", check=False, timeout=timeout, env=env
    )
    feedback = nbgrader(
        course_root, "generate_feedback", "convolutions", "--force", check=False, env=env
    )
    run.returncode = run.returncode or feedback.returncode
    run.stdout += feedback.stdout
    run.stderr += feedback.stderr
    return run


# What the formgrader passes its 'formgrade' template for one submission.
FORMGRADE_RESOURCES = {
    "assignment_id": "convolutions",
    "notebook_id": "convolutions",
    "submission_id": "x",
    "index": 0,
    "total": 1,
    "base_url": "",
    "student": "x",
    "last_name": None,
    "first_name": None,
    "notebook_path": "/x",
}


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)


def hidden_cases():
    """The hidden suite's `cases` module, loaded without putting tests/hidden on sys.path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hidden_cases", HIDDEN / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_course(root):
    """A course folder with source/ and the real config, ready for nbgrader."""
    shutil.copytree(SOURCE, root / "source" / "convolutions")
    shutil.copy(REPO / "nbgrader_config.py", root)
    return root


def grade_rows(root, student):
    """(notebook, graded cell, auto score, manual score) for each of a student's grades."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("convolutions", student)
        return sorted(
            (nb.name, g.name, g.auto_score, g.manual_score)
            for nb in submission.notebooks
            for g in nb.grades
        )
