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
    """graded_catalog(door): the whole catalog class graded through `door`. Both doors grade
    at once, on the first call of the session (support.grade_catalog), so the hostile and
    two-doors tests share the runs."""
    graded = {}

    def grade(door):
        if not graded:
            graded.update(grade_catalog(tmp_path_factory.mktemp("catalog")))
        return graded[door]

    return grade


@pytest.fixture(scope="session")
def catalog_course(graded_catalog):
    """catalog_course(door): the course the catalog class was graded in through `door`,
    once that run is known to have finished normally."""

    def root(door):
        graded = graded_catalog(door)
        assert graded["run"].returncode == 0, (door, graded["run"].stderr[-3000:])
        return graded["root"]

    return root
