"""Where the grader's time goes: cProfile of the coordinator and of one worker."""

import cProfile
import pstats
import subprocess
import sys
from pathlib import Path

# Frames that only wrap the run (the interpreter starting the module, the profiler itself):
# they top every profile by cumulative time and say nothing about the grader.
WRAPPERS = ("runpy.py", "cProfile.py", "<string>")


def top_entries(stats, count=15, by="cumulative"):
    """The `count` functions with the most time `by` "cumulative" or "own", as
    (cumulative s, own s, calls, "file:line(function)"), wrappers of the run left out."""
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
        if filename.endswith(WRAPPERS) or function == "<built-in method builtins.exec>":
            continue
        rows.append((cumulative, own, calls, f"{_short(filename)}:{line}({function})"))
    rows.sort(key=lambda row: row[0] if by == "cumulative" else row[1], reverse=True)
    return rows[:count]


def _short(filename):
    """A path from the package or the interpreter's library down, not the whole path."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "convgrade", "lib"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            keep = parts[index + 1 :] if anchor != "convgrade" else parts[index:]
            return "/".join(keep)
    return filename


def print_top(title, stats, count=20, own_count=12):
    """The top entries by cumulative time (what a call costs, callees included), then by
    own time (where the interpreter actually was; waiting on a lock shows here as such)."""
    for by, number in (("cumulative", count), ("own", own_count)):
        print(f"\n== profile: {title} (top {number} by {by} time) ==")
        print(f"{'cumulative':>10} {'own':>8} {'calls':>8}  function")
        for cumulative, own, calls, where in top_entries(stats, number, by):
            print(f"{cumulative:9.2f}s {own:7.2f}s {calls:8d}  {where}")


def profile_coordinator(course_root, out_path, env, jobs=None):
    """Run `convgrade grade` (the whole job, as `make grade`) under cProfile in the course;
    the worker processes are not in this profile, only what the coordinator does itself."""
    command = [sys.executable, "-m", "cProfile", "-o", str(out_path), "-m", "convgrade.cli"]
    command += ["grade", "convolutions", "--force"] + (["--jobs", str(jobs)] if jobs else [])
    subprocess.run(command, cwd=course_root, env=env, capture_output=True, text=True)
    return pstats.Stats(str(out_path))


def profile_worker(course_root, students, assignment="convolutions"):
    """Grade `students` one after another in this process, as one worker does (its
    start-up included), under cProfile. The student's code runs in the sandbox, outside
    this profile: what shows is the worker's own cost around it."""
    from convgrade.batch.scheduler import submissions
    from convgrade.batch.submission_grader import CourseBundle, SubmissionGrader
    from convgrade.sandbox.kernel import KernelPool
    from convgrade.sandbox.student_process import WorkerPool

    jobs = list(submissions(course_root, assignment, students))
    profiler = cProfile.Profile()
    profiler.enable()
    grader = SubmissionGrader(CourseBundle.from_course(course_root, assignment))
    for job in jobs:
        grader.grade(job)
    profiler.disable()
    KernelPool.discard()
    WorkerPool.discard()
    return pstats.Stats(profiler)
