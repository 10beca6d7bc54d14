"""Command line: `convgrade <command>`; parses arguments and calls into the package."""

import argparse
import sys
from pathlib import Path


def run(argv=None):
    parser = argparse.ArgumentParser(prog="convgrade", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("samples", help="rebuild submitted/ from the scenario catalog")
    summary = commands.add_parser("summary", help="print each student's score from the gradebook")
    summary.add_argument("--db", default="sqlite:///gradebook.db")
    check = commands.add_parser("check", help="run the hidden checks on one notebook")
    check.add_argument("notebook", nargs="?", help="without it, the reference is checked")
    found = commands.add_parser("problems", help="list what went wrong while grading")
    found.add_argument("--autograded", default="autograded")
    config = commands.add_parser("check-config", help="verify nbgrader_config.py's protections")
    config.add_argument("path", nargs="?", default="nbgrader_config.py")
    grade = commands.add_parser("grade", help="grade every submission: parallel, resumable")
    grade.add_argument("--assignment", default="convolutions")
    grade.add_argument(
        "-j", "--jobs", type=int, default=None, help="worker processes (default: all cores)"
    )
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions")
    grade.add_argument(
        "--scheduler", default=None, help="grade on a Dask cluster, e.g. tcp://HOST:8786"
    )
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument("--no-feedback", action="store_true", help="skip writing feedback HTML")
    report = commands.add_parser("report", help="write the class report (HTML with pictures)")
    report.add_argument("--assignment", default="convolutions")
    report.add_argument("--output", default="reports/convolutions.html")
    bench = commands.add_parser("bench", help="benchmark against plain sequential nbgrader")
    bench.add_argument("--submissions", type=int, default=24)
    bench.add_argument("--jobs", type=int, default=None)
    bench.add_argument("--keep", action="store_true", help="keep the benchmark's course folders")
    scenario = commands.add_parser("scenario", help="build a catalog scenario and check it")
    scenario.add_argument("path", help="a file under tests/catalog/")
    args = parser.parse_args(argv)
    return main(**vars(args))


def main(*, command, **options):
    if command == "samples":
        from .samples import write_samples

        print("wrote submitted/ for:", ", ".join(write_samples()))
    elif command == "summary":
        from .report import format_summary, student_scores

        print(format_summary(student_scores(options["db"])))
    elif command == "check":
        import pytest

        from .checks import HIDDEN_DIR

        args = [str(HIDDEN_DIR), "-q"]
        if options["notebook"]:
            args += ["--submission", str(Path(options["notebook"]).resolve())]
        return int(pytest.main(args))
    elif command == "problems":
        from .report import format_problems, problems

        print(format_problems(problems(options["autograded"])))
    elif command == "check-config":
        from .config_check import ConfigProblem, verify_course_config

        try:
            verify_course_config(options["path"])
        except ConfigProblem as problem:
            print(f"convgrade: refusing to grade: {problem}", file=sys.stderr)
            return 2
        print(f"{options['path']}: sandbox, repair and hidden checks are wired in")
    elif command == "report":
        from .class_report import write_report

        print("wrote", write_report(".", options["output"], options["assignment"]))
    elif command == "bench":
        from .benchmark import run

        run(submissions=options["submissions"], jobs=options["jobs"], keep=options["keep"])
    elif command == "grade":
        return grade(**options)
    elif command == "scenario":
        import nbformat

        from . import checks, scenarios
        from .submission import Submission

        scenario = scenarios.load(options["path"])
        print(f"{scenario.name}: {scenario.description}\nexpects: {scenario.expect}")
        notebook = nbformat.reads(scenarios.build(scenario).decode(), as_version=4)
        with Submission.from_notebook(notebook, files_dir=scenarios.RELEASE_NOTEBOOK.parent) as sub:
            groups = checks.run_hidden_checks(sub)
        print("\n".join(checks.format_groups(groups, checks.group_points())))
    return 0


def grade(*, assignment, jobs, force, scheduler, student, no_feedback):
    """`convgrade grade`: grade the class (config checked first), write feedback, list problems."""
    from .batch import grade_class
    from .config_check import ConfigProblem
    from .plain_text import plain
    from .report import format_problems, problems
    from .sandbox import SandboxUnavailable

    try:
        result = grade_class(
            ".", assignment, jobs=jobs, force=force, scheduler=scheduler, students=student
        )
    except (ConfigProblem, SandboxUnavailable) as problem:
        print(f"convgrade: refusing to grade: {problem}", file=sys.stderr)
        return 2
    print(
        f"graded {len(result.graded)}, skipped {len(result.skipped)} unchanged, "
        f"failed {len(result.failed)} in {result.seconds:.1f} s"
    )
    for name, reason in result.failed.items():
        print(f"  not graded: {plain(name, 60)}: {plain(reason)}")
    if result.graded and not no_feedback:
        from .feedback_writer import write_feedback

        for name, error in write_feedback(".", assignment, result.graded).items():
            last = (str(error).strip().splitlines() or [""])[-1]
            print(f"  no feedback for {plain(name, 60)}: {plain(last)}")
    print(format_problems(problems("autograded")))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(run())
