"""Is a submission's record one SQLite transaction: all of it, or none of it?

A real course released by nbgrader, its real gradebook, nbgrader's own writers
(SaveAutoGrades, AssignLatePenalties) run by the coordinator's GradebookWriter on a real
autograded notebook (the sample student "complete"). What other connections see is read
with Python's sqlite3 module, as another program (the formgrader, a TA's command) would."""

import shutil
import sqlite3
import threading

import pytest
from nbgrader.api import Gradebook, InvalidEntry
from support import REPO, grade_rows

from convgrade.batch.one_transaction import one_transaction
from convgrade.batch.submission_grader import GradebookWriter, GradedSubmission, Job

ASSIGNMENT = "convolutions"
SAMPLE = REPO / "autograded" / "complete" / ASSIGNMENT


@pytest.fixture
def course(tmp_path, released_course):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    return root


def graded_sample(student):
    """What a worker sends back for `student`, taken from the sample class's autograded
    folder: a notebook with real grades and outputs, and the folder's other files."""
    files = {
        str(path.relative_to(SAMPLE)): path.read_bytes()
        for path in SAMPLE.rglob("*")
        if path.is_file() and path.suffix != ".ipynb"
    }
    notebook = (SAMPLE / f"{ASSIGNMENT}.ipynb").read_text()
    return GradedSubmission(student, notebooks={ASSIGNMENT: notebook}, files=files)


def database(root):
    return root / "gradebook.db"


def rows_seen_from_outside(root, student):
    """Grade rows of `student`, read by a connection of its own (autocommit reads)."""
    with sqlite3.connect(database(root)) as outside:
        return outside.execute(
            "SELECT count(*) FROM grade JOIN submitted_notebook sn ON grade.notebook_id = sn.id"
            " JOIN submitted_assignment sa ON sn.assignment_id = sa.id"
            " WHERE sa.student_id = ?",
            (student,),
        ).fetchone()[0]


def students_seen_from_outside(path):
    with sqlite3.connect(path) as outside:
        return sorted(row[0] for row in outside.execute("SELECT id FROM student"))


def spy_after(writer, action):
    """Run action(resources) after nbgrader's writers, inside the record."""

    def spy(notebook, resources):
        action(resources)
        return notebook, resources

    writer.writers.append(spy)


def test_nothing_of_a_record_is_seen_before_it_is_whole(course):
    writer = GradebookWriter(course, ASSIGNMENT)
    seen = {}

    def look(resources):
        seen["outside"] = rows_seen_from_outside(course, "ada")
        with Gradebook(resources["nbgrader"]["db_url"]) as inside:
            submission = inside.find_submission(ASSIGNMENT, "ada")
            seen["inside"] = sum(len(notebook.grades) for notebook in submission.notebooks)

    spy_after(writer, look)
    writer.record(Job("ada", {}), graded_sample("ada"))
    assert seen["outside"] == 0
    assert seen["inside"] > 0
    assert rows_seen_from_outside(course, "ada") == seen["inside"]
    assert len(grade_rows(course, "ada")) == seen["inside"]


def test_a_record_that_fails_half_way_leaves_nothing_and_the_class_intact(course):
    writer = GradebookWriter(course, ASSIGNMENT)
    writer.record(Job("ada", {}), graded_sample("ada"))
    before = grade_rows(course, "ada")

    def fail(resources):
        raise OSError(28, "No space left on device")

    spy_after(writer, fail)
    with pytest.raises(OSError, match="No space left"):
        writer.record(Job("grace", {}), graded_sample("grace"))
    assert rows_seen_from_outside(course, "grace") == 0
    assert "grace" not in students_seen_from_outside(database(course))
    assert not (course / "autograded" / "grace" / ASSIGNMENT).exists()
    assert grade_rows(course, "ada") == before

    writer.writers.pop()  # the next run records grace whole
    writer.record(Job("grace", {}), graded_sample("grace"))
    assert grade_rows(course, "grace") == before


def test_no_other_program_writes_in_the_middle_of_a_record(course):
    writer = GradebookWriter(course, ASSIGNMENT)
    writer.record(Job("ada", {}), graded_sample("ada"))

    def hold_the_lock(resources):
        holder = sqlite3.connect(database(course), timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            holder.execute("BEGIN IMMEDIATE")
        holder.close()

    spy_after(writer, hold_the_lock)
    writer.record(Job("grace", {}), graded_sample("grace"))
    assert rows_seen_from_outside(course, "grace") == rows_seen_from_outside(course, "ada")


def test_nbgraders_own_rollback_undoes_only_back_to_its_last_commit(tmp_path, released_course):
    path = tmp_path / "gradebook.db"
    shutil.copy(released_course / "gradebook.db", path)
    url = f"sqlite:///{path}"
    with one_transaction(url):
        with Gradebook(url) as gradebook:
            gradebook.add_student("ada")
            with pytest.raises(InvalidEntry):  # nbgrader rolls back the duplicate
                gradebook.add_student("ada")
            gradebook.add_student("grace")
        with Gradebook(url) as another:  # a second Gradebook joins the same transaction
            assert sorted(s.id for s in another.students) == ["ada", "grace"]
        assert students_seen_from_outside(path) == []
    assert students_seen_from_outside(path) == ["ada", "grace"]


def test_other_gradebooks_and_other_threads_commit_as_nbgrader_does(tmp_path, released_course):
    ours, other = tmp_path / "ours.db", tmp_path / "other.db"
    for path in (ours, other):
        shutil.copy(released_course / "gradebook.db", path)

    def add(path, student):
        with Gradebook(f"sqlite:///{path}") as gradebook:
            gradebook.add_student(student)

    with one_transaction(f"sqlite:///{ours}"):
        add(other, "on-another-file")
        assert students_seen_from_outside(other) == ["on-another-file"]
        add(ours, "in-the-transaction")
        # Another thread's Gradebook is not in the transaction: it waits for its commit.
        thread = threading.Thread(target=add, args=(ours, "from-another-thread"))
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()
        assert students_seen_from_outside(ours) == []
    thread.join()
    assert students_seen_from_outside(ours) == ["from-another-thread", "in-the-transaction"]
    add(ours, "after")  # outside the block: nbgrader's own commits again
    assert "after" in students_seen_from_outside(ours)


def test_a_ta_saving_a_score_meanwhile_waits_and_both_writes_land(tmp_path, released_course):
    """Another program writes while a record has only read so far: it waits for the
    record's commit, and neither write is lost (a deferred transaction failed here at once
    with 'database is locked')."""
    path = tmp_path / "gradebook.db"
    shutil.copy(released_course / "gradebook.db", path)
    url = f"sqlite:///{path}"

    def ta_saves():
        with sqlite3.connect(path, timeout=10, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO student(id) VALUES ('saved-by-a-ta')")
            other.execute("COMMIT")

    with one_transaction(url):
        with Gradebook(url) as gradebook:
            assert list(gradebook.students) == []
            ta = threading.Thread(target=ta_saves)
            ta.start()
            ta.join(0.3)
            assert ta.is_alive()  # waiting for the record's write lock
            gradebook.add_student("ada")
    ta.join()
    assert students_seen_from_outside(path) == ["ada", "saved-by-a-ta"]


def test_a_record_that_fails_leaves_no_staged_folder(course):
    with (course / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Autograde.create_student = False\n")
    writer = GradebookWriter(course, ASSIGNMENT)
    with pytest.raises(Exception, match="nobody"):
        writer.record(Job("nobody", {}), graded_sample("nobody"))
    assert not (course / "autograded" / "nobody").exists()
