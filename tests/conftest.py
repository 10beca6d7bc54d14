"""Shared fixtures for the project's own tests (the hidden checks live in tests/hidden/)."""

import pytest
from support import grade_catalog, make_course, nbgrader


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


@pytest.fixture(scope="session")
def graded_catalog(tmp_path_factory):
    """graded_catalog(door): the whole catalog class graded through one door, once per
    session (support.grade_catalog), so the hostile and two-doors tests share the run."""
    graded = {}

    def grade(door):
        if door not in graded:
            graded[door] = grade_catalog(tmp_path_factory.mktemp(f"catalog-{door}"), door)
        return graded[door]

    return grade
