"""Do the benchmark's pieces measure what they say? (The benchmark itself runs only by hand.)"""

import cProfile
import doctest
import os
import pstats
import re
import subprocess
import sys
import time

import pytest
from support import REPO
from tools import bench_class, bench_profile, bench_scale, benchmark, cpu_watch, memory_watch


def test_does_the_apportion_example_still_run():
    failed, tried = doctest.testmod(bench_class)
    assert tried > 0 and failed == 0


@pytest.mark.parametrize("count", [1, 3, 7, 20, 24, 30, 499, 500])
@pytest.mark.parametrize("recipe", [bench_class.MIXED, bench_class.SCALE, bench_class.ALL_CORRECT])
def test_is_every_student_given_a_kind_close_to_the_recipe(count, recipe):
    counts = bench_class.apportion(count, recipe)
    assert sum(counts.values()) == count
    for kind, share in recipe.items():
        assert abs(counts[kind] - count * share) < 1


def test_is_the_mixed_class_sixty_twenty_ten_ten():
    assert bench_class.apportion(20, bench_class.MIXED) == {
        "correct": 12,
        "faulty": 4,
        "hanging": 2,
        "crashing": 2,
    }


def test_does_every_student_of_a_mixed_class_have_a_catalog_scenario():
    students = bench_class.class_list(40, bench_class.MIXED)
    assert len({student for student, _ in students}) == 40
    for _, name in students:
        assert (bench_class.scenarios.CATALOG_DIR / f"{name}.py").is_file(), name


def test_are_the_named_hanging_and_crashing_scenarios_in_the_catalog():
    for kind in ("hanging", "crashing"):
        for name in bench_class.KINDS[kind]:
            assert (bench_class.scenarios.CATALOG_DIR / f"{name}.py").is_file(), name


def test_does_a_small_kind_spread_over_the_catalog_without_repeats():
    faulty = [name for _, name in bench_class.class_list(10, {"faulty": 1.0})]
    assert len(set(faulty)) == 10
    # Not just the alphabetically first ten, which are nearly all colour mistakes.
    assert faulty != bench_class.scenario_names("faulty")[:10]


def test_does_a_large_class_cycle_through_every_scenario():
    correct = bench_class.scenario_names("correct")
    names = [name for _, name in bench_class.class_list(3 * len(correct), {"correct": 1.0})]
    assert set(names) == set(correct)


def test_does_the_memory_watch_see_a_child_allocate():
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; x = bytearray(80 * 2**20); time.sleep(1.5)"]
    )
    with memory_watch.MemoryWatch(child.pid, interval=0.1) as watch:
        child.wait()
    assert max(watch.by_role()["coordinator"]) >= 80 * 1024
    assert watch.timeline and watch.timeline[0][2] > 0


def test_does_the_watch_find_children_and_tell_workers_from_sandboxes():
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess; subprocess.run(['sleep', '5'])"]
    )
    try:
        deadline, seen = time.monotonic() + 5, []
        while not any(c.startswith("sleep") for c in seen) and time.monotonic() < deadline:
            seen = list(memory_watch.descendants(parent.pid).values())
            time.sleep(0.05)
        assert any(cmdline.startswith("sleep") for cmdline in seen), seen
    finally:
        parent.kill()
        parent.wait()
    forked = "python -c from multiprocessing.forkserver import main; main(3, 4, ['x'])"
    assert memory_watch.role_of(11, 10, forked, parent=10) == "fork server"
    assert memory_watch.role_of(12, 10, forked, parent=11) == "worker"
    assert memory_watch.role_of(12, 10, "bwrap --unshare-all python -m ipykernel") == "sandbox"
    assert memory_watch.role_of(10, 10, "") == "coordinator"


def test_does_the_proc_fallback_find_the_same_children(monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        time.sleep(0.2)
        monkeypatch.setattr(memory_watch, "psutil", None)
        import os

        assert child.pid in memory_watch.descendants(os.getpid())
    finally:
        child.kill()
        child.wait()


def test_does_the_resume_check_catch_a_student_graded_twice():
    everyone = ["a", "b", "c", "d"]
    done, mtimes = {"a", "b"}, {"a": 1, "b": 2}
    right = {"graded": ["c", "d"], "skipped": ["a", "b"]}
    assert bench_scale.resume_check(done, mtimes, mtimes, right, everyone) == []
    regraded = {"graded": ["b", "c", "d"], "skipped": ["a"]}
    problems = bench_scale.resume_check(done, mtimes, {"a": 1, "b": 3}, regraded, everyone)
    assert any("graded again" in p for p in problems)
    assert any("rewritten" in p for p in problems)
    assert any("not skipped" in p for p in problems)
    lost = {"graded": ["c"], "skipped": ["a", "b"]}
    assert bench_scale.resume_check(done, mtimes, mtimes, lost, everyone) == [
        "1 neither graded nor skipped, e.g. d"
    ]


def test_is_memory_read_at_the_first_sample_past_each_share():
    timeline = [(0.5, 0, 100, 10), (1.0, 12, 110, 20), (2.0, 55, 120, 30), (3.0, 95, 130, 40)]
    assert bench_scale.flatness(timeline, 100) == [
        (0.1, 110, 20),
        (0.5, 120, 30),
        (0.9, 130, 40),
    ]


def _busy(seconds=0.05):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_does_the_profile_name_the_costly_function_and_leave_out_wrappers():
    profiler = cProfile.Profile()
    profiler.runcall(_busy)
    stats = pstats.Stats(profiler)
    entries = bench_profile.top_entries(stats, 5)
    assert "_busy" in entries[0][3]
    assert all("cProfile" not in where for *_, where in entries)
    by_own = bench_profile.top_entries(stats, 5, by="own")
    assert [row[1] for row in by_own] == sorted((row[1] for row in by_own), reverse=True)


def test_does_the_benchmark_read_convgrade_grades_summary_as_the_readme_shows_it():
    example = re.search(r"`graded \d+, skipped .*? s`", (REPO / "README.md").read_text())
    match = benchmark.GRADED_LINE.search(example.group(0))
    assert match and float(match.group(4)) > 0


def test_does_the_coordinator_placing_feedback_pages_count_beyond_the_students_compute():
    rows = [{"total": 5.0, "feedback": 1.0, "place_feedback": 0.5, "execute_student": 2.0}]
    costs = benchmark.per_submission_costs(rows, wall_seconds=10.0, count=1, jobs=1)
    assert costs["beyond_student"] == pytest.approx(5.0 + 0.5 - 2.0)


def test_is_the_cost_beyond_the_students_compute_what_is_left_of_the_workers_time():
    rows = [
        {"startup": 2.0, "total": 5.0, "record": 0.2, "execute_student": 2.0},
        {"total": 3.0, "record": 0.2, "execute_student": 1.0, "checks_student": 0.0},
    ]
    costs = benchmark.per_submission_costs(rows, wall_seconds=10.0, count=2, jobs=2)
    assert costs["feedback"] == 0.0 and costs["place_feedback"] == 0.0
    assert costs["student"] == pytest.approx(1.5)
    assert costs["beyond_student"] == pytest.approx(4.0 + 0.2 + 1.0 - 1.5)
    assert costs["beyond_student_whole_job"] == pytest.approx(10.0 * 2 / 2 - 1.5)


def test_do_the_benchmarks_tools_import_the_frozen_copy_of_the_grader(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "_frozen", {})
    assert "convgrade at" in benchmark.freeze_package(tmp_path)
    found = subprocess.run(
        [sys.executable, "-c", "import convgrade; print(convgrade.__file__)"],
        env=benchmark.tool_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert found.stdout.startswith(str(tmp_path / "frozen-package" / "convgrade"))


def test_is_a_regrade_after_a_grader_edit_told_apart_from_a_resume_failure(tmp_path):
    before = {"a": "grader1:x", "b": "grader1:y"}
    assert not bench_scale.grader_changed(before, {**before, "c": "grader1:z"})
    assert bench_scale.grader_changed(before, {"a": "grader2:x", "b": "grader1:y"})
    state = tmp_path / ".convgrade" / "graded.json"
    state.parent.mkdir()
    state.write_text('{"a": "grader1:x", "b": "grader2:y", "c": "grader2:z"}')
    assert bench_scale.recorded_since(tmp_path, before) == 2


def test_cpu_watch_counts_each_kind_of_process_even_after_it_exits(tmp_path):
    """A child that burns 0.4 s of CPU and exits before its parent: its CPU is counted, under
    its kind; a run that fails says so instead of printing zeros."""
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    parent = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {busy!r}])\n"
        "time.sleep(0.3)"
    )
    _, watch = cpu_watch.watch_run([sys.executable, "-c", parent], tmp_path, dict(os.environ))
    kinds = watch.by_kind()
    assert 0.3 <= kinds["other sandbox"][0] <= 1.0, kinds
    assert set(kinds) == {"coordinator", "other sandbox"}
    assert watch.idle_seconds is not None and watch.busy_seconds >= 0.3
    with pytest.raises(RuntimeError, match="exited with 3"):
        cpu_watch.watch_run([sys.executable, "-c", "raise SystemExit(3)"], tmp_path, None)


def test_cpu_watch_tells_kernels_from_checks():
    kernel = "bwrap --unshare-all /venv/bin/python -m ipykernel_launcher -f /tmp/k.json"
    checks = "/venv/bin/python -I /tmp/convgrade/inside.py"
    assert cpu_watch.kind_of(20, 10, kernel, parent=11) == "kernel"
    assert cpu_watch.kind_of(21, 10, checks, parent=11) == "checks"
    forked = "python -c from multiprocessing.forkserver import main; main(3, 4, ['x'])"
    assert cpu_watch.kind_of(12, 10, forked, parent=11) == "worker"
    assert cpu_watch.kind_of(10, 10, "") == "coordinator"
