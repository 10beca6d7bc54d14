"""Do nbgrader's Gradebooks share one engine per gradebook file, and never a stale one?

Real nbgrader Gradebooks on real SQLite files: what one writes, the next reads; a file
replaced by another is read as the new file; relative and in-memory URLs are left alone."""

import os
import shutil

import nbgrader.api
import pytest
from nbgrader.api import Gradebook

from convgrade.batch import gradebook_engines


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    """An empty nbgrader gradebook, made once: nbgrader runs alembic for each new one."""
    path = tmp_path_factory.mktemp("blank") / "gradebook.db"
    Gradebook(url(path)).close()
    return path


def fresh(blank, path):
    shutil.copy(blank, path)
    return path


@pytest.fixture(autouse=True)
def reused(monkeypatch):
    """Reuse engines for this test only, starting from an empty set of kept engines."""
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    monkeypatch.setattr(gradebook_engines, "_engines", type(gradebook_engines._engines)())
    gradebook_engines.reuse_engines()


def url(path):
    return f"sqlite:///{path}"


def students(path):
    with Gradebook(url(path)) as gradebook:
        return sorted(student.id for student in gradebook.students)


def add_student(path, student):
    with Gradebook(url(path)) as gradebook:
        gradebook.add_student(student)


def test_gradebooks_on_one_file_share_an_engine_and_see_each_others_writes(tmp_path, blank):
    path = fresh(blank, tmp_path / "gradebook.db")
    add_student(path, "ada")
    first, second = Gradebook(url(path)), Gradebook(url(path))
    try:
        assert first.engine is second.engine
        first.add_student("grace")
        assert [s.id for s in second.students] == ["ada", "grace"]
    finally:
        first.close()
        second.close()


def restore_by_rename(source, path):
    shutil.copy(source, path.with_name("copy.db"))
    os.replace(path.with_name("copy.db"), path)  # as a restore from a backup would


def delete_and_copy(source, path):
    os.remove(path)
    shutil.copy(source, path)


@pytest.mark.parametrize("replace", [restore_by_rename, delete_and_copy])
def test_a_replaced_file_is_read_as_the_new_file(tmp_path, blank, replace):
    path, other = fresh(blank, tmp_path / "gradebook.db"), fresh(blank, tmp_path / "restored.db")
    add_student(path, "ada")
    add_student(other, "linus")
    # Still open, with its connection back in the engine's pool: that connection keeps
    # reading the first file, whatever is at the path now.
    old = Gradebook(url(path))
    old.add_student("grace")
    replace(other, path)
    new = Gradebook(url(path))
    try:
        assert new.engine is not old.engine
        assert [s.id for s in new.students] == ["linus"]
    finally:
        old.close()
        new.close()


def test_only_absolute_file_urls_are_kept(tmp_path, monkeypatch, blank):
    monkeypatch.chdir(tmp_path)
    fresh(blank, tmp_path / "relative.db")
    relative = [Gradebook("sqlite:///relative.db") for _ in range(2)]
    memory = [Gradebook("sqlite://") for _ in range(2)]
    try:
        assert relative[0].engine is not relative[1].engine
        assert memory[0].engine is not memory[1].engine
        assert not gradebook_engines._engines
    finally:
        for gradebook in relative + memory:
            gradebook.close()


def test_the_grader_shares_engines_for_the_course_gradebook(tmp_path, blank, monkeypatch):
    """GradebookWriter, which every grading process makes, turns sharing on."""
    from convgrade.batch.submission_grader import GradebookWriter

    monkeypatch.setattr(nbgrader.api, "create_engine", gradebook_engines._nbgrader_create_engine)
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("")
    fresh(blank, course / "gradebook.db")
    GradebookWriter(course, "convolutions")
    first, second = (Gradebook(url(course / "gradebook.db")) for _ in range(2))
    try:
        assert first.engine is second.engine
    finally:
        first.close()
        second.close()


def test_kept_engines_are_bounded(tmp_path, blank):
    paths = [tmp_path / f"course{n}.db" for n in range(gradebook_engines.KEPT_ENGINES + 2)]
    for n, path in enumerate(paths):
        fresh(blank, path)
        add_student(path, f"s{n}")
        assert students(path) == [f"s{n}"]
    assert len(gradebook_engines._engines) == gradebook_engines.KEPT_ENGINES
    # The oldest were let go; reading them again still works (with a new engine).
    assert students(paths[0]) == ["s0"]
