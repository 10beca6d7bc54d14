"""Command line: `convgrade <command>`; parses arguments and calls into the package."""

import argparse
import sys
from pathlib import Path


def run(argv=None):
    parser = argparse.ArgumentParser(prog="convgrade", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
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
    args = parser.parse_args(argv)
    return main(**vars(args))


def main(*, command, **options):
    if command == "summary":
        from convgrade.reports.gradebook_table import format_summary, student_scores

        print(format_summary(student_scores(options["db"])))
    elif command == "check":
        import pytest

        from convgrade.checks.runner import HIDDEN_DIR

        args = [str(HIDDEN_DIR), "-q"]
        if options["notebook"]:
            args += ["--submission", str(Path(options["notebook"]).resolve())]
        return int(pytest.main(args))
    elif command == "problems":
        from convgrade.reports.gradebook_table import format_problems, problems

        print(format_problems(problems(options["autograded"])))
    elif command == "check-config":
        from convgrade.autograde.config_check import ConfigProblem, verify_course_config

        try:
            verify_course_config(options["path"])
        except ConfigProblem as problem:
            print(f"convgrade: refusing to grade: {problem}", file=sys.stderr)
            return 2
        print(f"{options['path']}: sandbox, repair and hidden checks are wired in")
    elif command == "report":
        from convgrade.reports.class_page import write_report

        print("wrote", write_report(".", options["output"], options["assignment"]))
    elif command == "grade":
        return grade(**options)
    return 0


def grade(*, assignment, jobs, force, scheduler, student, no_feedback):
    """`convgrade grade`: grade the class (config checked first), write feedback, list problems."""
    from convgrade.autograde.config_check import ConfigProblem
    from convgrade.batch.scheduler import grade_class
    from convgrade.plain_text import plain
    from convgrade.reports.gradebook_table import format_problems, problems
    from convgrade.sandbox.bwrap import SandboxUnavailable

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
        from convgrade.feedback.writer import write_feedback

        for name, error in write_feedback(".", assignment, result.graded).items():
            last = (str(error).strip().splitlines() or [""])[-1]
            print(f"  no feedback for {plain(name, 60)}: {plain(last)}")
    print(format_problems(problems("autograded")))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(run())
