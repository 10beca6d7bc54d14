"""`make bench`: the whole job, `convgrade grade` against plain sequential nbgrader, in one run.

Two rounds, each graded by both tools on the same submissions, same machine, same run:
- "all-correct": N correct submissions in varied styles;
- "mixed": drawn from the scenario catalog, about 60% correct, 20% faulty, 10% hanging and
  10% crashing (exit, exception, memory): what a real class looks like.
Ours is `convgrade grade` as `make grade` runs it: grades, feedback pages, grades.csv and the
class report, with the course's nbgrader_config.py. Plain is `nbgrader autograde` followed by
`nbgrader generate_feedback`, sequential, with nbgrader's default settings (a bare config:
its default pipeline and cell timeout, no sandbox, no hidden checks). Then the cost beyond
the student's own compute, profiles of the coordinator and of one worker, and the CPU each
kind of process uses over a whole run. Figures are
printed; nothing is asserted. `make bench-500` (tools.bench_scale) grades a large class.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import bench_class, bench_profile, cpu_watch, scenarios
from tools.repo import HIDDEN_DIR, REPO_ROOT, SOURCE_NOTEBOOK

BARE_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "convolutions"
"""
# Where the run's frozen copy of the grader package lives (see freeze_package).
_frozen = {}
# convgrade grade's own summary line: how long grading took, before feedback and reports.
GRADED_LINE = re.compile(r"graded (\d+), skipped (\d+) unchanged, failed (\d+) in ([\d.]+) s")


def course(base, name, config_text, students):
    """A course folder with the source, the hidden checks, `config_text` and `students`
    ([(student, catalog name)]) submitted, the assignment generated."""
    root = base / name
    shutil.copytree(REPO_ROOT / "source", root / "source")
    shutil.copytree(HIDDEN_DIR, root / "tests" / "hidden")  # c.HiddenChecks.hidden_dir's default
    (root / "nbgrader_config.py").write_text(config_text)
    bench_class.write_class(root, students)
    run_tool(root, "nbgrader", "generate_assignment", "convolutions", "--force")
    return root


def freeze_package(base):
    """Copy the convgrade package as it is now into `base`; every tool run by this benchmark
    imports that copy. The grader's fingerprint hashes its own code, so an edit made in the
    checkout during a long run would otherwise make a resumed run regrade everyone, and one
    run could mix two versions of the grader. Returns a line naming what was copied."""
    target = Path(base) / "frozen-package"
    shutil.copytree(
        REPO_ROOT / "convgrade",
        target / "convgrade",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    _frozen["path"] = str(target)
    git = ["git", "-C", str(REPO_ROOT)]
    commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(git + ["status", "--porcelain", "convgrade"], capture_output=True)
    edits = " with uncommitted edits" if dirty.stdout.strip() else ""
    return f"grader: convgrade at {commit.stdout.strip() or '?'}{edits}, copied to {target}"


def tool_env():
    """The environment for nbgrader and convgrade runs: this venv first on PATH (nbgrader
    runs alembic from PATH), and the frozen copy of the package if there is one."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if "path" in _frozen:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_frozen["path"], os.environ.get("PYTHONPATH")) if p
        )
    return env


def run_tool(root, *command):
    """Run nbgrader or convgrade in the course `root`; returns (seconds, stdout)."""
    env = tool_env()
    if command[0] == "convgrade":
        command = (sys.executable, "-m", "convgrade.cli") + command[1:]
    else:
        command = (str(Path(sys.executable).parent / command[0]),) + command[1:]
    started = time.monotonic()
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return seconds, result.stdout


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


def grade_command(jobs=None, extra=()):
    """`convgrade grade` as `make grade` runs it (JOBS=N adds --jobs)."""
    return ["convgrade", "grade", "convolutions", *(["--jobs", str(jobs)] if jobs else []), *extra]


def whole_job_round(base, name, students, real_config, jobs=None):
    """Grade `students` with both tools, the whole job each; print and return the figures."""
    plain = course(base, f"{name}-plain", BARE_CONFIG, students)
    ours = course(base, f"{name}-ours", real_config, students)
    autograde_seconds, _ = run_tool(plain, "nbgrader", "autograde", "convolutions")
    feedback_seconds, _ = run_tool(plain, "nbgrader", "generate_feedback", "convolutions")
    ours_seconds, output = run_tool(ours, *grade_command(jobs))
    grading = GRADED_LINE.search(output)
    figures = {
        "count": len(students),
        "plain_autograde": autograde_seconds,
        "plain_feedback": feedback_seconds,
        "plain_seconds": autograde_seconds + feedback_seconds,
        "ours_seconds": ours_seconds,
        "ours_grading": float(grading.group(4)) if grading else None,
        "ours_failed": int(grading.group(3)) if grading else None,
        "feedback_pages": len(list((ours / "feedback").glob("*/convolutions/*.html"))),
        "plain_feedback_pages": len(list((plain / "feedback").glob("*/convolutions/*.html"))),
    }
    figures["ratio"] = figures["plain_seconds"] / ours_seconds
    figures.update(per_submission_costs(_timings(ours), ours_seconds, len(students), jobs))
    print_round(name, figures, jobs)
    return figures, ours


def forks_round(base, students, real_config, forked, jobs=None):
    """The all-correct class again, with every kernel started as an interpreter of its own
    (c.Sandbox.fork_kernels = False): what forking kernels from the zygote buys, against
    `forked` (that round's figures), in this same run."""
    config = real_config + "\nc.Sandbox.fork_kernels = False\n"
    root = course(base, "all-correct-unforked", config, students)
    seconds, _ = run_tool(root, *grade_command(jobs))
    costs = per_submission_costs(_timings(root), seconds, len(students), jobs)
    print(f"\n== kernels forked from the zygote, against started one by one ({len(students)}) ==")
    for label, wall, f in (
        ("forked", forked["ours_seconds"], forked),
        ("one by one", seconds, costs),
    ):
        print(
            f"  {label:10s} {wall:6.1f} s; beyond the student's compute "
            f"{f['beyond_student']:.2f} s (worker) / {f['beyond_student_whole_job']:.2f} s "
            f"(whole job); student's compute {f['student']:.2f} s per submission"
        )
    print(f"  forking is {seconds / forked['ours_seconds']:.2f}x as fast as one by one")
    return {"seconds": seconds, **costs}


def per_submission_costs(rows, wall_seconds, count, jobs=None):
    """Mean seconds per submission of each phase a worker reports, and what is beyond the
    student's own compute: in the workers and coordinator's database writes ("worker"),
    and for the whole job, every worker-second of the run shared out ("whole job")."""

    def mean(key):
        return statistics.fmean([r.get(key, 0.0) for r in rows]) if rows else 0.0

    phases = ("startup", "sanitize", "execute", "execute_student", "checks", "checks_student")
    # "feedback" (in the worker, part of "total") and "place_feedback" (the coordinator
    # copying pages into feedback/) exist once workers write the pages.
    later = ("feedback", "record", "place_feedback", "total")
    costs = {key: mean(key) for key in (*phases, *later)}
    student = costs["execute_student"] + costs["checks_student"]
    workers = jobs or os.cpu_count() or 1
    costs["student"] = student
    costs["beyond_student"] = (
        costs["total"] + costs["record"] + costs["place_feedback"] + costs["startup"] - student
    )
    costs["beyond_student_whole_job"] = wall_seconds * workers / count - student
    return costs


def print_round(name, f, jobs=None):
    workers = jobs or os.cpu_count() or 1
    count = f["count"]
    print(f"\n== {name}: {count} submissions, {workers} workers on {os.cpu_count()} cores ==")
    print(
        f"plain nbgrader autograde + generate_feedback (sequential, defaults): "
        f"{f['plain_seconds']:7.1f} s ({f['plain_autograde']:.1f} + {f['plain_feedback']:.1f})"
        f"  {60 * count / f['plain_seconds']:5.1f} submissions/min"
    )
    grading = f"grading {f['ours_grading']:.1f} s, " if f["ours_grading"] is not None else ""
    print(
        f"convgrade grade (make grade: grades, feedback, grades.csv, report): "
        f"{f['ours_seconds']:7.1f} s ({grading}the rest "
        f"{f['ours_seconds'] - (f['ours_grading'] or 0):.1f})"
        f"  {60 * count / f['ours_seconds']:5.1f} submissions/min"
    )
    print(f"whole-job throughput ratio: {f['ratio']:.2f}x plain nbgrader")
    print(
        f"feedback pages: ours {f['feedback_pages']}, plain {f['plain_feedback_pages']}; "
        f"not graded by ours: {f['ours_failed']}"
    )
    print("one submission, mean, as a worker spends it:")
    print(f"  start-up (worker start + first kernel, shared)    {f['startup']:6.2f} s")
    print(f"  sanitize (read, repair, restore cells)            {f['sanitize']:6.2f} s")
    print(
        f"  execution in the sandboxed kernel                 {f['execute']:6.2f} s"
        f"  of which student cells {f['execute_student']:.2f} s"
    )
    print(
        f"  hidden checks                                     {f['checks']:6.2f} s"
        f"  of which student calls {f['checks_student']:.2f} s"
    )
    print(f"  feedback page                                     {f['feedback']:6.2f} s")
    other = f["total"] - f["sanitize"] - f["execute"] - f["checks"] - f["feedback"]
    print(f"  the rest (staging files, reading results)         {other:6.2f} s")
    # The coordinator records while the freed worker grades its next submission: no wait,
    # but the coordinator's CPU is taken from the workers, so it still counts below.
    print(f"  database writes (coordinator, as workers go on)   {f['record']:6.2f} s")
    print(f"  placing the feedback page (coordinator, same)     {f['place_feedback']:6.2f} s")
    print(
        f"  beyond the student's own compute ({f['student']:.2f} s): "
        f"{f['beyond_student']:.2f} s in the worker and database; "
        f"{f['beyond_student_whole_job']:.2f} s for the whole job "
        f"(wall x workers / submissions, minus the student's compute)"
    )


# Run in the course folder, with the frozen grader: one timed regrade on a local Dask cluster.
DASK_SCRIPT = """
import dataclasses, json, sys
from convgrade.batch.scale_out import cluster_throughput
throughput, report = cluster_throughput(".", "convolutions", workers=int(sys.argv[1]))
print(json.dumps(dataclasses.asdict(throughput)))
"""


def dask_round(ours_root, plain_seconds, workers=2):
    """Regrade the course at `ours_root` on a local Dask cluster of `workers` processes (the
    grader's convgrade.batch.scale_out), the whole job; print and return its throughput.
    Returns None when the grader has no such option."""
    import json

    env = tool_env()
    probe = "import importlib.util as u; print(bool(u.find_spec('convgrade.batch.scale_out')))"
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=ours_root
    )
    if found.stdout.strip() != "True":
        print("\n(no Dask option in this grader: convgrade.batch.scale_out is missing)")
        return None
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", DASK_SCRIPT, str(workers)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ours_root,
    )
    seconds = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        print(f"\nDask round failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        return None
    figures = json.loads(lines[-1])
    print(
        f"\n== mixed class on a local Dask cluster, {workers} worker processes ==\n"
        f"graded {figures['graded']}, failed {figures['failed']} in {figures['seconds']:.1f} s "
        f"({seconds:.1f} s with interpreter start): "
        f"{60 * figures['graded'] / figures['seconds']:.1f} submissions/min, "
        f"{plain_seconds / figures['seconds']:.2f}x plain nbgrader"
    )
    return figures


def cpu_by_process(root, count, figures, jobs=None):
    """Grade the all-correct course again (`--force`) with its whole process tree sampled:
    the CPU each kind of process used per submission, and the cores left idle. A separate
    run, because sampling ten times a second takes CPU from the timed ones."""
    command = [sys.executable, "-m", "convgrade.cli", *grade_command(jobs, ["--force"])[1:]]
    wall, watch = cpu_watch.watch_run(command, root, tool_env())
    kinds = watch.by_kind()
    student = figures["student"]
    print(f"\n== CPU by process: all-correct regraded, {count} submissions, {wall:.1f} s ==")
    print(f"{'process':14s} {'CPU s':>8s} {'per submission':>15s} {'processes':>10s}")
    for kind, (seconds, processes) in kinds.items():
        print(f"{kind:14s} {seconds:8.1f} {seconds / count:15.3f} {processes:10d}")
    print(f"{'idle cores':14s} {watch.idle_seconds:8.1f} {watch.idle_seconds / count:15.3f}")
    print(
        f"the student's compute, as the workers time it (wall, {student:.2f} s per "
        f"submission), runs in the kernel and checks processes: together "
        f"{sum(kinds.get(k, (0, 0))[0] for k in ('kernel', 'checks')) / count:.2f} s of CPU"
    )
    per_submission = {kind: seconds / count for kind, (seconds, _) in kinds.items()}
    return {"wall": wall, "idle": watch.idle_seconds / count, **per_submission}


def profiles(base, real_config, count=4):
    """cProfile of the coordinator (`convgrade grade`, one worker) and of one worker grading
    a small class in this process; prints the top entries of each. No hangs in this class:
    the question is where the time around ordinary submissions goes."""
    students = bench_class.class_list(count, bench_class.SCALE)
    root = course(base, "profile", real_config, students)
    run_tool(root, *grade_command(jobs=1))  # warm caches: the profiled run is a regrade
    coordinator = bench_profile.profile_coordinator(
        root, base / "coordinator.prof", tool_env(), jobs=1
    )
    title = f"coordinator, convgrade grade --force, {count} submissions"
    bench_profile.print_top(title, coordinator)
    worker = bench_profile.profile_worker(root, [s for s, _ in students])
    bench_profile.print_top(f"one worker grading {count} submissions in a row", worker)
    return {
        "coordinator": bench_profile.top_entries(coordinator),
        "worker": bench_profile.top_entries(worker),
    }


def run(submissions=24, mixed=20, jobs=None, keep=False, profile=True, dask=True, forks=True):
    """Run both rounds and print the figures; returns them as a dict."""
    base = Path(tempfile.mkdtemp(prefix="convgrade-bench-"))
    real_config = (REPO_ROOT / "nbgrader_config.py").read_text()
    print(freeze_package(base))
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    figures = {"hidden_checks": hidden_checks_cpu(), "sandbox": sandbox_overhead()}
    try:
        for name, count, recipe in [
            ("all-correct", submissions, bench_class.ALL_CORRECT),
            ("mixed", mixed, bench_class.MIXED),
        ]:
            if count:
                students = bench_class.class_list(count, recipe)
                figures[name], ours = whole_job_round(base, name, students, real_config, jobs)
                if name == "all-correct" and profile:
                    figures["cpu"] = cpu_by_process(ours, count, figures[name], jobs)
                if name == "all-correct" and forks:
                    figures["unforked"] = forks_round(
                        base, students, real_config, figures[name], jobs
                    )
                if name == "mixed" and dask:
                    figures["dask"] = dask_round(ours, figures[name]["plain_seconds"])
        if profile:
            figures["profiles"] = profiles(base, real_config)
    finally:
        if keep:
            print(f"course folders kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print("\n== summary ==")
    for name in ("all-correct", "mixed"):
        if name in figures:
            f = figures[name]
            print(
                f"{name:12s} {f['count']:4d} submissions: {f['ratio']:.2f}x plain nbgrader "
                f"(whole job); beyond the student's compute {f['beyond_student']:.2f} s "
                f"(worker) / {f['beyond_student_whole_job']:.2f} s (whole job) per submission"
            )
    if dask_figures := figures.get("dask"):
        print(
            f"mixed on Dask ({dask_figures['workers']} workers): "
            f"{60 * dask_figures['graded'] / dask_figures['seconds']:.1f} submissions/min"
        )
    print(f"sandbox adds {figures['sandbox']['overhead']:.2f} s per submission")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return figures


def main(argv=None):
    """`python -m tools.benchmark`: time the whole job against plain sequential nbgrader."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=main.__doc__)
    parser.add_argument("--submissions", type=int, default=24, help="students, all-correct round")
    parser.add_argument("--mixed", type=int, default=20, help="students in the mixed round")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for ours")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the profiles (cProfile, CPU by process)"
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask cluster round")
    parser.add_argument(
        "--no-forks", action="store_true", help="skip the round with kernels started one by one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's course folders")
    args = parser.parse_args(argv)
    run(
        submissions=args.submissions,
        mixed=args.mixed,
        jobs=args.jobs,
        keep=args.keep,
        profile=not args.no_profile,
        dask=not args.no_dask,
        forks=not args.no_forks,
    )


if __name__ == "__main__":
    main()
