"""Run the hidden pytest suite on one submission and collect results per graded cell."""

import contextlib
import io
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import pytest

from convgrade import course_folders
from convgrade.checks import knock_on
from convgrade.checks.failures import (
    MAX_MESSAGE,
    NOTE_PROPERTY,
    CheckFailure,
    CheckNote,
    also_fits,
    clean_text,
)
from convgrade.contract import Mistake

SUBMISSION_KEY = pytest.StashKey()
COLLECTOR_NAME = "convgrade-results"


@dataclass
class CheckResult:
    """The outcome of one hidden check (one pytest test item)."""

    name: str
    group: str
    passed: bool
    message: str = ""
    misconception: Mistake | None = None
    picture: bytes | None = None
    grader_error: str | None = None  # a bug in the check itself, for the instructor
    # Other mistakes that give the very same result (the message names them too).
    also: tuple = ()
    # The student's functions this check called itself, with no stand-in in their place.
    called: frozenset = frozenset()
    # A passed knock-on's failure with the student's own convolve (see knock_on.settle).
    forgiven: CheckFailure | None = None


@dataclass
class GroupResult:
    """All checks counting toward one graded cell."""

    group: str
    results: list = field(default_factory=list)

    @property
    def passed(self):
        return sum(r.passed for r in self.results)

    @property
    def fraction(self):
        return self.passed / len(self.results) if self.results else 0.0

    @property
    def failures(self):
        return [r for r in self.results if not r.passed]

    @property
    def notes(self):
        """Passed checks that carry a note (a forgiven knock-on, see checks.knock_on)."""
        return [r for r in self.results if r.passed and r.message]


class ResultCollector:
    """pytest plugin: records each check's outcome, with the CheckFailure's details."""

    def __init__(self):
        self.results = []
        self._pictured = set()  # groups that already have their one picture

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        # Taken after every test's call, grouped or not, so no check gets another's calls.
        student = getattr(item, "funcargs", {}).get("student") if report.when == "call" else None
        called = student.take_called() if hasattr(student, "take_called") else frozenset()
        marker = item.get_closest_marker("group")
        if marker is None or report.when == "teardown" and report.passed:
            return report
        if report.when == "call" or report.failed:
            self.results.append(self._result(item.name, marker.args[0], report, call, called))
        return report

    def _result(self, name, group, report, call, called):
        result = _result(name, group, report, call)
        result.called = called
        error = call.excinfo.value if call.excinfo else None
        if isinstance(error, CheckFailure) and error.picture and group not in self._pictured:
            self._pictured.add(group)
            result.picture = error.picture() if callable(error.picture) else error.picture
        return result


def _result(name, group, report, call):
    if report.passed:
        # A passed check may still have something to say: a knock-on it forgave.
        note = dict(report.user_properties).get(NOTE_PROPERTY)
        if isinstance(note, CheckNote):
            message = clean_text(note.message, MAX_MESSAGE)
            return CheckResult(
                name, group, True, message, note.misconception, forgiven=note.failure
            )
        return CheckResult(name, group, True)
    error = call.excinfo.value if call.excinfo else None
    if isinstance(error, CheckFailure):
        # The last gate before feedback and records: one line, bounded, no escapes.
        message = clean_text(error.message, MAX_MESSAGE)
        return CheckResult(name, group, False, message, error.misconception, also=error.also)
    # Not a CheckFailure: the check itself broke. The student sees a neutral line; the
    # instructor sees the details in the grading log.
    detail = f"{type(error).__name__}: {error}" if error else report.longreprtext[-500:]
    detail = clean_text(detail, 500)  # for the instructor's log, which student text may reach
    return CheckResult(
        name,
        group,
        False,
        "This check could not be completed; your instructor has been told.",
        grader_error=detail,
    )


class _ProvideSubmission:
    def __init__(self, submission, collector):
        self.submission = submission
        self.collector = collector

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config):
        config.stash[SUBMISSION_KEY] = self.submission
        config.pluginmanager.register(self.collector, COLLECTOR_NAME)


def register_collector(config):
    """Make sure a ResultCollector records this session (the suite's conftest calls this)."""
    if not config.pluginmanager.has_plugin(COLLECTOR_NAME):
        config.pluginmanager.register(ResultCollector(), COLLECTOR_NAME)


def run_hidden_checks(submission, hidden_dir=None):
    """Run every hidden check against `submission` in this process.

    Parameters
    ----------
    submission : convgrade.checks.submission.Submission
    hidden_dir : path, optional
        The hidden suite; by default the one configured for the course in the working
        folder (c.HiddenChecks.hidden_dir, see convgrade.course_folders).

    Returns
    -------
    dict of str to GroupResult, keyed by group (the graded cell's grade_id)
    """
    if hidden_dir is None:
        hidden_dir = course_folders.hidden_checks_dir(course_folders.course_config())
    collector = ResultCollector()
    # Plugins that cost time and give nothing here: the unraisable-exception one alone runs
    # a full gc.collect() per session, and log and warning capture around every check took
    # 0.010 of the grader's 0.121 s of CPU per submission (the suite uses neither).
    args = [str(hidden_dir), "-qq", "-s", "--assert=plain", "--rootdir", str(hidden_dir)]
    for plugin in (
        "cacheprovider",
        "randomly",
        "unraisableexception",
        "threadexception",
        "faulthandler",
        "doctest",
        "junitxml",
        "pastebin",
        "nose",
        "legacypath",
        "logging",
        "warnings",
    ):
        args += ["-p", f"no:{plugin}"]
    # Each run imports the suite afresh and leaves the process as it found it.
    saved_modules, saved_path = set(sys.modules), list(sys.path)
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = pytest.main(args, plugins=[_ProvideSubmission(submission, collector)])
    finally:
        # Forget only the suite's own modules (conftest, cases, test files), so the next
        # run imports them afresh; libraries they pulled in stay loaded and consistent.
        for name in set(sys.modules) - saved_modules:
            if _is_inside(getattr(sys.modules[name], "__file__", None), hidden_dir):
                del sys.modules[name]
        sys.path[:] = saved_path
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not collector.results:
        raise RuntimeError(
            f"the hidden checks did not run (pytest exit code {code}):\n{output.getvalue()[-3000:]}"
        )
    return group_results(settle(collector.results))


def settle(results):
    """Every check's final word, once all have run: knock-ons forgiven or not, and names
    ordered by what the other checks showed."""
    return names_fitting_most_first(knock_on.settle(results))


def names_fitting_most_first(results):
    """`results` with each failure's fitting names reordered: first the name that fits the
    most failures of the same student functions, the earlier name first on a tie.

    One wrong result may fit several mistakes: a window one row too large on a 2 x 2
    kernel is also what a centred window gives on an even kernel. Checks with other
    inputs tell them apart (on a 3 x 3 kernel only the first one goes wrong), so the name
    that explains the most failures is the likelier one for all of them. Every name still
    fits, so all stay in the message; only their order changes. A colour check passed as
    a knock-on names convolve's failure in its note: that name is chosen the same way.
    """
    failures = [r for r in results if not r.passed and r.misconception is not None]
    settled = []
    for result in results:
        if not result.passed and result.also:
            related = [f for f in failures if f.called & result.called]
            names = _likeliest_first([result.misconception, *result.also], related)
            if names[0] != result.misconception:
                message, tail = result.message, also_fits(result.also)
                if message.endswith(tail):  # not cut short by clean_text
                    message = message[: -len(tail)] + also_fits(names[1:])
                result = replace(
                    result, misconception=names[0], also=tuple(names[1:]), message=message
                )
        elif result.passed and result.forgiven is not None and result.forgiven.also:
            said = [result.forgiven.misconception, *result.forgiven.also]
            names = _likeliest_first(said, failures)
            if names[0] != said[0]:
                message = result.message.replace(
                    knock_on.seen_mistake(said[0]), knock_on.seen_mistake(names[0]), 1
                ).replace(also_fits(said[1:]), also_fits(names[1:]), 1)
                result = replace(result, message=message)
        settled.append(result)
    return settled


def _likeliest_first(names, failures):
    """`names`, the one fitting the most of `failures` first (a stable sort: ties keep order)."""
    fits = {name: sum(name in (f.misconception, *f.also) for f in failures) for name in names}
    return sorted(names, key=lambda name: -fits[name])


def _is_inside(path, folder):
    return path is not None and Path(folder).resolve() in Path(path).resolve().parents


def group_results(results):
    groups = {}
    for result in results:
        groups.setdefault(result.group, GroupResult(result.group)).results.append(result)
    return groups


def group_points(notebook_path=None):
    """Points of each autograded test cell, keyed by grade_id, from the source notebook
    (by default the one of the course in the working folder, as nbgrader finds it)."""
    if notebook_path is None:
        notebook_path = course_folders.source_notebook(course_folders.course_config())
    notebook = nbformat.read(str(notebook_path), as_version=4)
    points = {}
    for cell in notebook.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            points[nbgrader["grade_id"]] = float(nbgrader.get("points", 0))
    return points


def score(group, points):
    """Points earned by a group: its share of passed checks, rounded to hundredths."""
    return round(points * group.fraction, 2)


def format_groups(groups, points):
    """Lines for a terminal: points per graded cell, then each failure with its mistake."""
    lines, total = [], 0.0
    for name, group in groups.items():
        earned = score(group, points.get(name, 0.0))
        total += earned
        lines.append(
            f"{name:36s} {group.passed:2d}/{len(group.results):<2d} checks"
            f"  {earned:5.2f} / {points.get(name, 0.0):g}"
        )
    lines.append(f"{'total':36s} {'':11s}  {total:5.2f} / {sum(points.values()):g}")
    for name, group in groups.items():
        for failure in group.failures:
            tag = f" [{failure.misconception}]" if failure.misconception else ""
            lines.append(f"- {name} :: {failure.name}{tag}: {failure.message}")
        for noted in group.notes:
            lines.append(
                f"- {name} :: {noted.name} passed [{noted.misconception}]: {noted.message}"
            )
    return lines


def print_group_summary(terminalreporter):
    """For runs by hand: points per graded cell, as the gradebook would record them."""
    collector = terminalreporter.config.pluginmanager.get_plugin(COLLECTOR_NAME)
    if collector is None or not collector.results:
        return
    terminalreporter.section("points per graded cell")
    for line in format_groups(group_results(settle(collector.results)), group_points()):
        terminalreporter.write_line(line)
