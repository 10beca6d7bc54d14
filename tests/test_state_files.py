"""Does the grader write its own files in .convgrade without ever writing through a link?

Real files and links in a real folder; GradingState and the last run's figures as the
scheduler writes them."""

import json
import os

import pytest

from convgrade.batch import scheduler
from convgrade.batch.scheduler import LAST_RUN_FILE, STATE_FILE, GradingState
from convgrade.batch.state_files import read_json, write_json

PRECIOUS = '{"not": "the grader\'s"}\n'


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / ".convgrade").mkdir(parents=True)
    return root


@pytest.fixture
def precious(tmp_path):
    """A file of someone else's that a planted link points at."""
    path = tmp_path / "instructor" / "solutions.json"
    path.parent.mkdir()
    path.write_text(PRECIOUS)
    return path


def plant(link, target):
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


@pytest.mark.parametrize(
    "planted",
    [STATE_FILE, STATE_FILE.with_suffix(".partial"), STATE_FILE.with_name(".graded.json.partial")],
    ids=["the-state-itself", "the-old-half-written-name", "a-half-written-name"],
)
def test_recording_never_writes_through_a_planted_link(course, precious, planted):
    plant(course / planted, precious)
    state = GradingState(course)
    assert state.entries == {}  # a link is not read either
    state.record("ada", "key")
    assert precious.read_text() == PRECIOUS
    state_file = course / STATE_FILE
    assert not state_file.is_symlink() and json.loads(state_file.read_text()) == {"ada": "key"}
    assert GradingState(course).is_current("ada", "key")


def test_a_link_to_a_state_of_another_course_is_not_believed(course, tmp_path):
    other = tmp_path / "other" / "graded.json"
    other.parent.mkdir()
    other.write_text(json.dumps({"ada": "key"}))
    plant(course / STATE_FILE, other)
    assert not GradingState(course).is_current("ada", "key")


def test_the_last_runs_figures_replace_a_link_and_are_read_back(course, precious):
    plant(course / LAST_RUN_FILE, precious)
    report = scheduler.BatchReport(graded=["ada"], timings={"ada": {"total": 3.0}})
    scheduler._save_timings(course, report)
    assert precious.read_text() == PRECIOUS
    assert read_json(course / LAST_RUN_FILE)["timings"] == {"ada": {"total": 3.0}}
    assert scheduler.longest_first([("bo", "k"), ("ada", "k")], course)[1] == ("ada", "k")


def test_a_write_that_fails_leaves_the_old_file_and_no_half_written_one(course):
    path = course / STATE_FILE
    write_json(path, {"ada": "old"})
    with pytest.raises(TypeError):
        write_json(path, {"ada": object()})
    assert read_json(path) == {"ada": "old"}
    assert os.listdir(course / ".convgrade") == ["graded.json"]


@pytest.mark.parametrize("odd", ["fifo", "folder", "not-json"])
def test_odd_files_count_as_no_state(course, odd):
    path = course / STATE_FILE
    if odd == "fifo":
        os.mkfifo(path)  # opened without blocking, then refused as no regular file
    elif odd == "folder":
        path.mkdir()
    else:
        path.write_text("[1, 2")
    assert GradingState(course).entries == {}


def test_a_state_that_is_json_but_no_table_counts_as_none(course):
    (course / STATE_FILE).write_text("[1, 2]")
    state = GradingState(course)
    assert state.entries == {} and not state.is_current("ada", "key")


def test_a_convgrade_folder_swapped_for_a_link_is_neither_written_nor_read(
    course, tmp_path, capsys
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "graded.json").write_text(PRECIOUS)
    state = GradingState(course)
    (course / ".convgrade").rename(course / "moved")  # as someone might, mid-run
    (course / ".convgrade").symlink_to(elsewhere)
    state.record("ada", "key")
    state.record("bo", "key")
    assert (elsewhere / "graded.json").read_text() == PRECIOUS
    assert sorted(os.listdir(elsewhere)) == ["graded.json"]
    assert GradingState(course).entries == {}
    said = capsys.readouterr().err.splitlines()  # once, and the run goes on
    assert len(said) == 1 and "could not save what is graded" in said[0]
    assert "the next run grades these students again" in said[0]


def test_new_state_files_follow_the_users_umask(course):
    old = os.umask(0o077)
    try:
        GradingState(course).record("ada", "key")
    finally:
        os.umask(old)
    assert (course / STATE_FILE).stat().st_mode & 0o777 == 0o600


def test_a_state_nested_too_deep_counts_as_none(course):
    (course / STATE_FILE).write_text("[" * 100_000 + "]" * 100_000)
    assert GradingState(course).entries == {}
    (course / LAST_RUN_FILE).write_text("[" * 100_000 + "]" * 100_000)
    assert scheduler.longest_first([("ada", "k")], course) == [("ada", "k")]
