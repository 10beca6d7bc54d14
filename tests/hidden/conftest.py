"""Hidden checks: pytest options and the `student` fixture.

Run by hand:
    pytest tests/hidden                          # checks the reference solution
    pytest tests/hidden --submission NOTEBOOK    # checks one student's notebook
During `nbgrader autograde` the HiddenChecks preprocessor runs this same suite in-process
and hands it the submission through convgrade.checks.runner.
"""

from pathlib import Path

import pytest

from convgrade.checks import runner
from convgrade.checks.submission import Submission


def pytest_addoption(parser):
    parser.addoption(
        "--submission",
        default=None,
        help="Notebook to check. Without it, the reference solution is checked.",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "group(name): the graded cell (grade_id) this check counts toward"
    )
    runner.register_collector(config)


@pytest.fixture(scope="session")
def student(request):
    """The functions under test, running in a sandbox: call them with student.call(name, ...)."""
    provided = request.config.stash.get(runner.SUBMISSION_KEY, None)
    if provided is not None:
        return provided
    path = request.config.getoption("--submission")
    if path:
        submission = Submission.from_notebook(path, files_dir=Path(path).resolve().parent)
    else:
        submission = Submission.reference()
    request.addfinalizer(submission.close)
    return submission


def pytest_terminal_summary(terminalreporter, config):
    """Show points per graded cell, as the gradebook would record them."""
    if config.stash.get(runner.SUBMISSION_KEY, None) is None:
        runner.print_group_summary(terminalreporter)
