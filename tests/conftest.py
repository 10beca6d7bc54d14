"""Shared fixtures for the project's own tests (the hidden checks live in tests/hidden/)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "convolutions"
RELEASE = REPO / "release" / "convolutions"
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "tests" / "artifacts"


def nbgrader(course_root, *args, check=True):
    """Run a real nbgrader command in `course_root`; return the CompletedProcess."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    result = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course_root, env=env,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def course(tmp_path):
    """A fresh course folder: source/, the real config, and an empty gradebook."""
    root = tmp_path / "course"
    shutil.copytree(SOURCE, root / "source" / "convolutions")
    shutil.copy(REPO / "nbgrader_config.py", root)
    return root


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A course whose release was generated once by real nbgrader, shared by read-only tests."""
    root = tmp_path_factory.mktemp("released") / "course"
    shutil.copytree(SOURCE, root / "source" / "convolutions")
    shutil.copy(REPO / "nbgrader_config.py", root)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    return root


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)
