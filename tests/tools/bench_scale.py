"""`make bench-500`: one large class in one run: throughput, memory, database size, resuming.

The class (tools.bench_class.SCALE: 80% correct, 20% faulty) is graded by `convgrade grade`
as `make grade` runs it. When half the students are recorded, the whole run is killed
(SIGKILL to its process group: no clean-up), then started again and timed to the end. The
second run must skip every student recorded before the kill: its own list of what it
graded and skipped, and the untouched autograded notebooks, show it did.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import bench_class, benchmark
from tools.memory_watch import MemoryWatch, descendants
from tools.repo import REPO_ROOT

ASSIGNMENT = "convolutions"


def recorded(root):
    """{student: key} the grader has recorded so far (its state file, written atomically);
    a key is "<grader fingerprint>:<submission digest>"."""
    try:
        return json.loads((Path(root) / ".convgrade" / "graded.json").read_text())
    except (OSError, ValueError):
        return {}


def recorded_since(root, before):
    """How many students were recorded (or recorded anew) since the state `before`."""
    return sum(1 for student, key in recorded(root).items() if before.get(student) != key)


def grader_changed(before, after):
    """Whether the grader's fingerprint differs between two states: then the grader itself
    changed between the runs (its code or hidden checks were edited) and regrading everyone
    is right, not a resume failure."""
    prints = {key.partition(":")[0] for key in (*before.values(), *after.values())}
    return len(prints) > 1


def notebook_mtimes(root, students):
    """{student: mtime of their autograded notebook, None if missing}."""
    found = {}
    for student in students:
        path = Path(root) / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        found[student] = path.stat().st_mtime_ns if path.exists() else None
    return found


def resume_check(done_before, mtimes_before, mtimes_after, last_run, everyone):
    """What resuming got wrong, as a list of sentences (empty when it was right): a student
    recorded before the kill graded again or their notebook rewritten, or a student left
    neither graded nor skipped at the end."""
    graded, skipped = set(last_run["graded"]), set(last_run["skipped"])
    problems = []
    if regraded := sorted(done_before & graded):
        problems.append(f"{len(regraded)} graded again after the kill, e.g. {regraded[0]}")
    if rewritten := sorted(s for s in done_before if mtimes_before[s] != mtimes_after[s]):
        problems.append(f"{len(rewritten)} autograded notebooks rewritten, e.g. {rewritten[0]}")
    if not_skipped := sorted(done_before - skipped):
        problems.append(f"{len(not_skipped)} recorded before the kill not skipped")
    if left := sorted(set(everyone) - graded - skipped):
        problems.append(f"{len(left)} neither graded nor skipped, e.g. {left[0]}")
    return problems


def _start(root, jobs, log):
    command = [sys.executable, "-m", "convgrade.cli", *benchmark.grade_command(jobs)[1:]]
    env = benchmark.tool_env()
    # A session of its own, so the kill reaches the workers and sandboxes too, and only them.
    return subprocess.Popen(
        command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _kill_tree(process):
    """SIGKILL the run's process group, then any of its processes that left the group."""
    left = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(2)
    survivors = []
    for pid, cmdline in left.items():
        try:
            os.kill(pid, signal.SIGKILL)
            survivors.append(cmdline[:80])
        except ProcessLookupError:
            continue
    return survivors


def run(count=500, jobs=None, kill_at=0.5, keep=False):
    base = Path(tempfile.mkdtemp(prefix="convgrade-scale-"))
    print(benchmark.freeze_package(base))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    students = bench_class.class_list(count, bench_class.SCALE)
    started = time.monotonic()
    root = benchmark.course(base, "scale", (REPO_ROOT / "nbgrader_config.py").read_text(), students)
    print(f"{count} submissions written in {time.monotonic() - started:.1f} s ({base})")
    everyone = [s for s, _ in students]
    figures = {"count": count}

    with open(base / "first-run.log", "w") as log:
        started = time.monotonic()
        process = _start(root, jobs, log)
        with MemoryWatch(process.pid, progress=lambda: len(recorded(root))) as first:
            while process.poll() is None and len(recorded(root)) < count * kill_at:
                time.sleep(0.5)
            figures["killed_after"] = time.monotonic() - started
            survivors = _kill_tree(process) if process.poll() is None else []
    state_before = recorded(root)
    done_before = set(state_before)
    mtimes_before = notebook_mtimes(root, done_before)
    figures["done_before"] = len(done_before)

    with open(base / "resume.log", "w") as log:
        started = time.monotonic()
        process = _start(root, jobs, log)
        progress = lambda: recorded_since(root, state_before)  # noqa: E731
        with MemoryWatch(process.pid, progress=progress) as second:
            process.wait()
        figures["resume_seconds"] = time.monotonic() - started
    last_run_path = root / ".convgrade" / "last-run.json"
    if process.returncode not in (0, 1) or not last_run_path.exists():
        said = (base / "resume.log").read_text().strip().splitlines() or ["(nothing)"]
        print(f"RESUME FAILED: the restarted run exited {process.returncode}: {said[-1]}")
        figures["resume_failed"] = said[-1]
        return figures
    last_run = json.loads(last_run_path.read_text())
    problems = resume_check(
        done_before, mtimes_before, notebook_mtimes(root, done_before), last_run, everyone
    )
    figures.update(
        graded_after=len(last_run["graded"]),
        skipped_after=len(last_run["skipped"]),
        failed=last_run["failed"],
        grading_seconds_after=last_run["seconds"],
        gradebook_bytes=(root / "gradebook.db").stat().st_size,
        gradebook_rows=_submitted_notebooks(root / "gradebook.db"),
        feedback_pages=len(list((root / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))),
        problems=problems,
        grader_changed=grader_changed(state_before, recorded(root)),
        survivors=survivors,
        memory={"first": first.by_role(), "resume": second.by_role()},
    )
    _print(figures, first, second, jobs)
    if not keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return figures


def _submitted_notebooks(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute("select count(*) from submitted_notebook").fetchone()[0]


def _mib(kib):
    return f"{kib / 1024:.0f} MiB"


def flatness(timeline, count):
    """The coordinator's and the largest worker's resident memory when 10%, 50% and 90% of
    the class was recorded: [(share, coordinator KiB, worker KiB)]."""
    points = []
    for share in (0.1, 0.5, 0.9):
        at = [row for row in timeline if row[1] is not None and row[1] >= share * count]
        if at:
            points.append((share, at[0][2], at[0][3]))
    return points


def _print(f, first, second, jobs):
    count, workers = f["count"], jobs or os.cpu_count() or 1
    total = f["killed_after"] + f["resume_seconds"]
    print(f"\n== {count} submissions, {workers} workers, killed at 50% and resumed ==")
    print(
        f"first run: {f['done_before']} recorded when killed after {f['killed_after']:.1f} s "
        f"({60 * f['done_before'] / f['killed_after']:.1f} submissions/min)"
    )
    print(
        f"resume: {f['resume_seconds']:.1f} s to the end (graded {f['graded_after']}, skipped "
        f"{f['skipped_after']}, failed {len(f['failed'])}; grading itself "
        f"{f['grading_seconds_after']:.1f} s), "
        f"{60 * f['graded_after'] / f['resume_seconds']:.1f} submissions/min"
    )
    print(f"whole class: {total:.1f} s, {60 * count / total:.1f} submissions/min")
    if not f["problems"]:
        print("resume did not regrade what was done")
    elif f["grader_changed"]:
        print(
            "the grader changed between the runs (its fingerprint differs: convgrade or the "
            "hidden checks were edited), so regrading was right; resume not measured: "
            + "; ".join(f["problems"])
        )
    else:
        print("RESUME PROBLEMS: " + "; ".join(f["problems"]))
    if f["survivors"]:
        print(f"processes that outlived the kill (killed now): {f['survivors']}")
    for name in f["failed"]:
        print(f"  not graded: {name}: {f['failed'][name][:120]}")
    print(
        f"gradebook.db: {f['gradebook_bytes'] / 2**20:.1f} MiB, {f['gradebook_rows']} "
        f"notebooks ({f['gradebook_bytes'] / max(1, f['gradebook_rows']) / 1024:.0f} KiB each); "
        f"feedback pages: {f['feedback_pages']} of {count}"
    )
    for name, watch, to_grade in (
        ("first run", first, count),
        ("resume", second, count - f["done_before"]),
    ):
        roles = watch.by_role()
        workers_peak = ", ".join(_mib(k) for k in roles.get("worker", [])[:8])
        print(
            f"peak memory, {name}: coordinator {_mib(max(roles.get('coordinator', [0])))}; "
            f"workers {workers_peak or '-'} ({len(roles.get('worker', []))} processes); "
            f"largest sandbox process {_mib(max(roles.get('sandbox', [0])))}"
        )
        for share, coordinator, worker in flatness(watch.timeline, to_grade):
            print(
                f"  at {share:.0%} of {to_grade} recorded: coordinator {_mib(coordinator)}, "
                f"largest worker {_mib(worker)}"
            )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main(argv=None):
    """`python -m tools.bench_scale`: grade a large class, kill it halfway, resume it."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.bench_scale", description=main.__doc__)
    parser.add_argument("--submissions", type=int, default=500, help="students in the class")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes")
    parser.add_argument("--keep", action="store_true", help="keep the course folder")
    args = parser.parse_args(argv)
    run(count=args.submissions, jobs=args.jobs, keep=args.keep)


if __name__ == "__main__":
    main()
