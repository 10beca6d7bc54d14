"""Command line: `convgrade <command>`; parses arguments and calls into the package."""

import argparse
import signal
import sys
import time
from pathlib import Path

from convgrade.course_folders import ASSIGNMENT
from convgrade.preflight import NotFound

# Exit codes: 1 when some of the work asked for could not be done, 2 when nothing was done
# (a refused or impossible request), 130 for Ctrl-C as shells report it (128 + SIGINT).
PARTLY_DONE, REFUSED, INTERRUPTED = 1, 2, 130


def build_parser():
    parser = argparse.ArgumentParser(prog="convgrade", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade = commands.add_parser(
        "grade",
        help="grade every submission (parallel, resumable), then write grades.csv and the report",
        description="Grade submitted/<student>/ASSIGNMENT/ for every student, as `nbgrader "
        "autograde` would, then rewrite grades.csv (`nbgrader export`) and the class report "
        "(`convgrade report`). Unchanged submissions already graded are skipped.",
    )
    _assignment_arguments(grade)
    grade.add_argument(
        "-j",
        "--jobs",
        type=_worker_count,
        default=None,
        help="worker processes (default: all cores)",
    )
    grade.add_argument(
        "--force", action="store_true", help="regrade submissions that are already graded"
    )
    grade.add_argument(
        "--scheduler", default=None, help="grade on a Dask cluster, e.g. tcp://HOST:8786"
    )
    grade.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="grade only this student, as named in submitted/ (repeatable)",
    )
    grade.add_argument(
        "--no-feedback", action="store_true", help="do not write the feedback HTML pages"
    )
    grade.add_argument(
        "--no-report",
        action="store_true",
        help="do not rewrite grades.csv and the class report after grading",
    )

    imports = commands.add_parser(
        "import",
        help="copy submissions from an LMS bulk download (.zip) or a collected folder into "
        "submitted/",
        description="Copy each student's files from SOURCE into submitted/<student>/ASSIGNMENT/. "
        "SOURCE is a Canvas, Moodle or Blackboard bulk download (a .zip, or its unpacked "
        "folder; other names through c.FileNameCollectorPlugin.named_regexp, as for `nbgrader "
        "zip_collect`), or a folder in submitted/ layout from `nbgrader collect`. The latest "
        "copy of a file wins; a different existing submission is kept unless --force.",
    )
    imports.add_argument("source", help="the downloaded .zip, or a folder")
    _assignment_arguments(imports)
    imports.add_argument(
        "--force",
        action="store_true",
        help="replace a student's different submission (the old one is kept in "
        ".convgrade/backups/)",
    )

    report = commands.add_parser(
        "report", help="write the class report (one HTML file with pictures)"
    )
    _assignment_arguments(report)
    report.add_argument(
        "--output", default=None, help="where to write it (default: reports/ASSIGNMENT.html)"
    )

    summary = commands.add_parser("summary", help="print each student's score from the gradebook")
    _assignment_arguments(summary)
    summary.add_argument(
        "--db",
        default=None,
        help="nbgrader database URL (default: the course's gradebook, c.CourseDirectory.db_url)",
    )

    found = commands.add_parser("problems", help="list what went wrong while grading")
    found.add_argument(
        "--autograded",
        default="autograded",
        help="the folder of autograded submissions to read (default: autograded)",
    )

    check = commands.add_parser("check", help="run the hidden checks on one notebook")
    check.add_argument(
        "notebook", nargs="?", help="the notebook to check; without it, the reference is checked"
    )

    config = commands.add_parser("check-config", help="verify nbgrader_config.py's protections")
    config.add_argument(
        "path",
        nargs="?",
        default="nbgrader_config.py",
        help="the configuration file to verify (default: nbgrader_config.py)",
    )
    return parser


def _assignment_arguments(command):
    """The assignment as nbgrader takes it (positional), with the older --assignment kept."""
    command.add_argument(
        "assignment",
        nargs="?",
        default=None,
        help=f"the assignment, as named in source/ and the gradebook (default: {ASSIGNMENT})",
    )
    command.add_argument(
        "--assignment",
        dest="assignment_option",
        metavar="ASSIGNMENT",
        default=None,
        help="the same, as an option",
    )


def run(argv=None):
    parser = build_parser()
    options = vars(parser.parse_args(argv))
    if "assignment" in options:
        given = {options.pop("assignment"), options.pop("assignment_option")} - {None}
        if len(given) > 1:
            parser.error(f"two assignments given: {', '.join(sorted(given))}")
        options["assignment"] = given.pop() if given else ASSIGNMENT
    try:
        return main(**options)
    except NotFound as problem:
        print(f"convgrade: {problem}", file=sys.stderr)
        return REFUSED


def main(*, command, **options):
    """Run one command with parsed options; returns the exit code."""
    from convgrade import preflight

    if command == "summary":
        from convgrade.reports.gradebook_table import format_summary, student_scores

        db = options["db"]
        if db is None:
            root = preflight.course_folder()
            preflight.known_assignment(root, options["assignment"])
            db = f"sqlite:///{preflight.gradebook_path(root)}"
        elif db.startswith("sqlite:///") and not Path(db.removeprefix("sqlite:///")).is_file():
            # nbgrader's Gradebook would create an empty database there.
            raise NotFound(f"no database at {db}")
        print(format_summary(student_scores(db, options["assignment"])))
    elif command == "check":
        import pytest

        from convgrade import course_folders

        # The suite nbgrader would use for the course in this folder, as configured.
        args = [str(course_folders.hidden_checks_dir(course_folders.course_config())), "-q"]
        if options["notebook"]:
            args += ["--submission", str(Path(options["notebook"]).resolve())]
        return int(pytest.main(args))
    elif command == "problems":
        from convgrade.reports.gradebook_table import format_problems, problems

        if not Path(options["autograded"]).is_dir():
            raise NotFound(f"no folder {options['autograded']} here: nothing was graded yet")
        print(format_problems(problems(options["autograded"])))
    elif command == "check-config":
        from convgrade.autograde.config_check import ConfigProblem, verify_course_config

        try:
            verify_course_config(options["path"])
        except ConfigProblem as problem:
            print(f"convgrade: refusing to grade: {problem}", file=sys.stderr)
            return REFUSED
        print(f"{options['path']}: sandbox, repair and hidden checks are wired in")
    elif command == "report":
        from convgrade.reports.class_page import write_report

        root = preflight.course_folder()
        assignment = preflight.known_assignment(root, options["assignment"])
        output = options["output"] or f"reports/{assignment}.html"
        print("wrote", write_report(root, output, assignment))
    elif command == "grade":
        return grade(**options)
    elif command == "import":
        return import_submissions(**options)
    return 0


def import_submissions(*, source, assignment, force):
    """`convgrade import`: submissions from a download into submitted/, never silently over
    one already there."""
    from convgrade import course_folders, preflight
    from convgrade.intake.collect import ImportRefused, format_report
    from convgrade.intake.collect import import_submissions as collect

    root = preflight.course_folder()
    preflight.known_assignment(root, assignment)
    try:
        report = collect(
            source, root, assignment, force=force, config=course_folders.course_config(root)
        )
    except ImportRefused as problem:
        raise NotFound(f"cannot import: {problem}") from None
    print(format_report(report))
    return 0 if report.complete else PARTLY_DONE


def grade(*, assignment, jobs, force, scheduler, student, no_feedback, no_report):
    """`convgrade grade`: grade the class (config checked first), write feedback, list
    problems, then bring grades.csv and the class report up to date."""
    from convgrade import preflight

    if not scheduler and _worth_starting_workers(assignment, student):
        from convgrade.batch.startup import start_worker_imports

        # The local workers' imports go on while this process imports its own, from the
        # start: loading the course's configuration below imports nbgrader (about a second).
        # So the workers' fork server does not see what that configuration may set in
        # os.environ; each worker loads the configuration itself.
        start_worker_imports()
    root = preflight.course_folder()
    preflight.known_assignment(root, assignment)
    if student:
        preflight.known_students(root, assignment, student)
    elif not preflight.submitted_students(root, assignment):
        raise NotFound(f"nothing to grade: no submitted/*/{assignment}/ folder in {root}")
    from convgrade.batch.course_lock import CourseBusy, grading_lock
    from convgrade.batch.scheduler import STOP_SIGNALS, GradingStopped

    started = time.time()
    # The first Ctrl-C (or SIGTERM, as a job scheduler or `kill` sends) stops grading; a
    # second one must not break that clean stop.
    previous = {signum: signal.signal(signum, _interrupt_once) for signum in STOP_SIGNALS}
    try:
        # Held until grades.csv and the report are written too: a second run in between
        # would regrade under them.
        with grading_lock(root):
            code = _grade_and_feedback(
                root, assignment, jobs, force, scheduler, student, no_feedback, not no_report
            )
            if code != REFUSED and not no_report:
                code = max(code, _bring_results_up_to_date(root, assignment))
    except CourseBusy as busy:
        print(f"convgrade: refusing to grade: {busy}", file=sys.stderr)
        return REFUSED
    except KeyboardInterrupt:
        graded = len(_graded_since(root, assignment, started))
        print(f"interrupted; run again to finish (graded {graded} so far)", file=sys.stderr)
        return INTERRUPTED
    except GradingStopped as stopped:
        graded = len(_graded_since(root, assignment, started))
        print(
            f"convgrade: grading stopped: {stopped}; run again to finish (graded {graded} so far)",
            file=sys.stderr,
        )
        return PARTLY_DONE
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _worker_count(text):
    """--jobs: a whole number of worker processes, at least 1 (0 means all cores)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"must be 1 or more (0 for all cores), not {count}")
    return count or None


def _worth_starting_workers(assignment, students):
    """Whether a look at the working folder, without loading anything, finds a course with
    submissions to grade: then the workers are started before the checks that load the
    configuration. The look-only refusals are left to them."""
    from convgrade import preflight

    submitted = preflight.submitted_students(Path.cwd(), assignment)
    wanted = set(students or submitted)
    return Path(preflight.CONFIG_FILE).is_file() and bool(wanted) and wanted <= set(submitted)


def _interrupt_once(signum, frame):
    from convgrade.batch.scheduler import STOP_REQUESTED, STOP_SIGNALS

    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    STOP_REQUESTED.set()  # for the run to see, should Python drop the exception below
    raise KeyboardInterrupt


def _graded_since(root, assignment, started):
    """Students whose autograded folder was written at or after `started` (seconds)."""
    folders = (Path(root) / "autograded").glob(f"*/{assignment}")
    return [f.parent.name for f in folders if f.is_dir() and f.stat().st_mtime >= started - 1]


def _grade_and_feedback(root, assignment, jobs, force, scheduler, student, no_feedback, results):
    """Grade, with feedback pages unless `no_feedback`; with `results` (grades.csv and the
    class report follow), their head start is taken once the last submission is handed out."""
    from convgrade.autograde.config_check import ConfigProblem
    from convgrade.batch.scheduler import grade_class
    from convgrade.feedback.writer import UnsafeFeedbackConfig
    from convgrade.plain_text import plain
    from convgrade.reports import ahead
    from convgrade.reports.gradebook_table import format_problems, problems
    from convgrade.sandbox.bwrap import SandboxUnavailable

    try:
        # Each worker writes its student's feedback page right after grading.
        result = grade_class(
            root,
            assignment,
            jobs=jobs,
            force=force,
            scheduler=scheduler,
            students=student,
            feedback=not no_feedback,
            all_handed_out=(lambda: ahead.start(root, assignment)) if results else None,
        )
    except (ConfigProblem, SandboxUnavailable, UnsafeFeedbackConfig) as problem:
        print(f"convgrade: refusing to grade: {problem}", file=sys.stderr)
        return REFUSED
    print(
        f"graded {len(result.graded)}, skipped {len(result.skipped)} unchanged, "
        f"failed {len(result.failed)} in {result.seconds:.1f} s"
    )
    for name, reason in result.failed.items():
        print(f"  not graded: {plain(name, 60)}: {plain(reason)}")
    for name, reason in result.no_feedback.items():
        print(f"  no feedback for {plain(name, 60)}: {plain(reason)}")
    found = problems(root / "autograded", assignment)
    if found or not (result.failed or result.no_feedback):  # "No problems" would be untrue
        print(format_problems(found))
    return PARTLY_DONE if result.failed or result.no_feedback else 0


def _bring_results_up_to_date(root, assignment):
    """grades.csv and the class report, as `make grades` (`nbgrader export`) and `make
    report` write them, in this process: nbgrader is imported already, and a fresh
    interpreter for each would spend most of its time importing it again. Returns 0, or
    PARTLY_DONE if either could not be written."""
    from convgrade.plain_text import plain
    from convgrade.reports.class_page import write_report
    from convgrade.reports.grades_csv import write_grades_csv

    report = Path("reports") / f"{assignment}.html"
    code = 0
    for what, write in (
        ("grades.csv", lambda: write_grades_csv(root)),
        (str(report), lambda: write_report(root, Path(root) / report, assignment)),
    ):
        try:
            write()
        except Exception as error:  # one missing result must not hide the other
            lines = str(error).strip().splitlines() or [type(error).__name__]
            print(f"convgrade: could not write {what}: {plain(lines[-1])}", file=sys.stderr)
            code = PARTLY_DONE
        else:
            print(f"wrote {what}")
    return code


if __name__ == "__main__":
    sys.exit(run())
