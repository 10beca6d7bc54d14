"""Shared fixtures for the project's own tests (the hidden checks live in tests/hidden/)."""

import pytest
from support import make_course, nbgrader


@pytest.fixture
def course(tmp_path):
    """A fresh course folder: source/, the real config, no gradebook yet."""
    return make_course(tmp_path / "course")


@pytest.fixture(scope="session")
def released_course(tmp_path_factory):
    """A course whose release was generated once by real nbgrader, shared by read-only tests."""
    root = make_course(tmp_path_factory.mktemp("released") / "course")
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    return root
