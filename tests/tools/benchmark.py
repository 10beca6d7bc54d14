"""`make bench`: our grader against plain sequential nbgrader, on the same submissions, in one run.

Two rounds, each graded by both:
- "correct": N correct submissions in varied styles; the throughput ratio is measured here;
- "mixed": buggy, hanging and hostile submissions, to show what they cost.
Plain nbgrader runs with a bare config (its default pipeline, no sandbox, no hidden
checks) and the same cell timeout. Figures are printed; nothing is asserted.
"""

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import scenarios
from tools.repo import HIDDEN_DIR, REPO_ROOT, SOURCE_NOTEBOOK

BARE_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "convolutions"
c.Execute.timeout = {timeout}
"""
MIXED = [
    "faulty/flipped_kernel",
    "faulty/uint8_output_array",
    "faulty/output_one_short_rows",
    "partial/half_done",
    "hostile/loop_ignores_interrupt",
    "hostile/infinite_loop_top_level",
    "hostile/hard_exit",
    "hostile/numpy_comparison_patch",
]


def _course(base, name, config_text, jobs):
    root = base / name
    shutil.copytree(REPO_ROOT / "source", root / "source")
    shutil.copytree(HIDDEN_DIR, root / "tests" / "hidden")  # c.HiddenChecks.hidden_dir's default
    (root / "nbgrader_config.py").write_text(config_text)
    for student, scenario in jobs:
        scenarios.write_submission(scenario, root, student)
    _run(root, "nbgrader", "generate_assignment", "convolutions", "--force")
    return root


def _run(root, *command):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if command[0] == "convgrade":
        command = (sys.executable, "-m", "convgrade.cli") + command[1:]
    else:
        command = (str(Path(sys.executable).parent / command[0]),) + command[1:]
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return seconds


def _timings(root):
    """Per-submission timings our grader saved for its last run."""
    import json

    return list(json.loads((root / ".convgrade" / "last-run.json").read_text())["timings"].values())


def hidden_checks_cpu(repeats=3):
    """CPU seconds of all hidden checks on the instructor's two-loop solution, per run."""
    import resource

    from convgrade.checks.runner import run_hidden_checks
    from convgrade.checks.submission import Submission

    runs = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_SELF)
        with Submission.from_notebook(SOURCE_NOTEBOOK, files_dir=SOURCE_NOTEBOOK.parent) as sub:
            groups = run_hidden_checks(sub, HIDDEN_DIR)
        after = resource.getrusage(resource.RUSAGE_SELF)
        grader = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        runs.append(
            (grader, sub.process.worker_cpu_seconds, sum(len(g.results) for g in groups.values()))
        )
    grader, worker, checks = min(runs, key=lambda r: r[0] + r[1])
    print(f"\n== hidden checks on a two-loop solution (best of {repeats}) ==")
    print(
        f"{checks} checks: {grader + worker:.2f} s CPU in total "
        f"(grader {grader:.2f} s, sandboxed worker with the student's code {worker:.2f} s)"
    )
    return {"checks": checks, "grader_cpu": grader, "worker_cpu": worker}


def sandbox_overhead(repeats=6):
    """Seconds the sandbox adds to one submission: the same grading with and without it."""
    from dataclasses import replace

    from convgrade.batch.submission_grader import CourseBundle, Job, SubmissionGrader
    from convgrade.sandbox.kernel import KernelPool
    from convgrade.sandbox.student_process import WorkerPool

    bundle = CourseBundle.from_course(REPO_ROOT, "convolutions")
    scenario = scenarios.load(scenarios.CATALOG_DIR / "correct" / "instructor_solution.py")
    job = Job("complete", {"convolutions.ipynb": scenarios.build(scenario)})
    medians = {}
    for mode in ("bwrap", "unsafe-no-sandbox"):
        config = bundle.config_text + f'\nc.Sandbox.mode = "{mode}"\n'
        autograder = SubmissionGrader(replace(bundle, config_text=config))
        autograder.grade(job)  # warm: the spare kernel and worker are ready from here on
        medians[mode] = statistics.median(
            autograder.grade(job).timings["total"] for _ in range(repeats)
        )
        KernelPool.discard()
        WorkerPool.discard()
    overhead = medians["bwrap"] - medians["unsafe-no-sandbox"]
    print(f"\n== sandbox overhead (median of {repeats}, one worker, one submission) ==")
    print(
        f"sandboxed {medians['bwrap']:.2f} s, unsandboxed {medians['unsafe-no-sandbox']:.2f} s:"
        f" the sandbox adds {overhead:.2f} s per submission"
    )
    return {
        "sandboxed": medians["bwrap"],
        "unsandboxed": medians["unsafe-no-sandbox"],
        "overhead": overhead,
    }


def run(submissions=24, timeout=10, jobs=None, keep=False):
    """Run both rounds and print the figures; returns them as a dict."""
    correct = scenarios.catalog("correct")
    correct_jobs = [
        (f"correct-{i:02d}", s) for i, s in zip(range(submissions), itertools.cycle(correct))
    ]
    mixed_jobs = [
        (name.replace("/", "-"), scenarios.load(scenarios.CATALOG_DIR / f"{name}.py"))
        for name in MIXED
    ]
    base = Path(tempfile.mkdtemp(prefix="convgrade-bench-"))
    real_config = (REPO_ROOT / "nbgrader_config.py").read_text() + (
        f"\nc.Execute.timeout = {timeout}\nc.HiddenChecks.call_timeout = {timeout}\n"
    )
    figures = {"hidden_checks": hidden_checks_cpu(), "sandbox": sandbox_overhead()}
    try:
        for round_name, round_jobs in [("correct", correct_jobs), ("mixed", mixed_jobs)]:
            plain = _course(
                base, f"{round_name}-plain", BARE_CONFIG.format(timeout=timeout), round_jobs
            )
            ours = _course(base, f"{round_name}-ours", real_config, round_jobs)
            plain_seconds = _run(plain, "nbgrader", "autograde", "convolutions")
            grade = ["convgrade", "grade", "--no-feedback"] + (
                ["--jobs", str(jobs)] if jobs else []
            )
            ours_seconds = _run(ours, *grade)
            figures[round_name] = _report(
                round_name, len(round_jobs), plain_seconds, ours_seconds, ours
            )
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    return figures


def _report(name, count, plain_seconds, ours_seconds, ours_root):
    rows = _timings(ours_root)

    def mean(key):
        return statistics.fmean([r.get(key, 0.0) for r in rows]) if rows else 0.0

    workers = os.cpu_count() or 1
    student = mean("execute_student") + mean("checks_student")
    busy = mean("total") + mean("record") + mean("startup")
    per_submission = ours_seconds / count
    print(f"\n== {name}: {count} submissions, {workers} cores ==")
    print(
        f"plain nbgrader autograde (sequential, bare config): {plain_seconds:7.1f} s  "
        f"{60 * count / plain_seconds:5.1f} submissions/min"
    )
    print(
        f"convgrade grade (parallel, sandbox + hidden checks): {ours_seconds:7.1f} s  "
        f"{60 * count / ours_seconds:5.1f} submissions/min"
    )
    print(f"throughput ratio: {plain_seconds / ours_seconds:.2f}x")
    print("one submission, mean, as a worker spends it:")
    print(f"  start-up (worker spawn + nbgrader import, shared) {mean('startup'):6.2f} s")
    print(f"  sanitize (read, repair, restore cells)            {mean('sanitize'):6.2f} s")
    print(
        f"  execution in the sandboxed kernel                 {mean('execute'):6.2f} s"
        f"  of which student cells {mean('execute_student'):.2f} s"
    )
    print(
        f"  hidden checks                                     {mean('checks'):6.2f} s"
        f"  of which student calls {mean('checks_student'):.2f} s"
    )
    print(f"  database writes (coordinator)                     {mean('record'):6.2f} s")
    print(
        f"  beyond the student's own compute: {busy - student:.2f} s per submission; "
        f"wall {per_submission:.2f} s per submission across {workers} workers"
    )
    return {
        "plain_seconds": plain_seconds,
        "ours_seconds": ours_seconds,
        "ratio": plain_seconds / ours_seconds,
        "beyond_student": busy - student,
        **{
            key: mean(key)
            for key in (
                "startup",
                "sanitize",
                "execute",
                "execute_student",
                "checks",
                "checks_student",
                "record",
            )
        },
    }


def main(argv=None):
    """`python -m tools.benchmark`: time our grader against plain sequential nbgrader."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=main.__doc__)
    parser.add_argument("--submissions", type=int, default=24, help="students in the round")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for ours")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's course folders")
    args = parser.parse_args(argv)
    run(submissions=args.submissions, jobs=args.jobs, keep=args.keep)


if __name__ == "__main__":
    main()
