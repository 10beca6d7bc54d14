"""A head start on the end of `convgrade grade`, taken while its last submissions are graded.

Once every submission has been handed to a worker, the coordinator only waits, and each
worker that finishes leaves a core idle until the slowest is done. What follows grading,
grades.csv and the class report, first imports nbgrader's export plugin and matplotlib
(about half a second of CPU) and reads every autograded notebook's records. A background
thread does that now; gradebook_table keeps the records it read, so the report reads only
the notebooks written since. Nothing is written here: the results themselves are made from
the finished gradebook afterwards, as before.
"""

import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def start(root, assignment):
    """Start the head start in a daemon thread; returns the thread."""
    thread = threading.Thread(
        target=_prepare, args=(Path(root), assignment), name="results-ahead", daemon=True
    )
    thread.start()
    return thread


def _prepare(root, assignment):
    try:
        import matplotlib.backends.backend_agg  # noqa: F401 (what the report's figures use)
        import matplotlib.figure  # noqa: F401
        import matplotlib.ticker  # noqa: F401

        from convgrade.reports import class_page, grades_csv  # noqa: F401
        from convgrade.reports.gradebook_table import autograded_notebooks

        for _ in autograded_notebooks(root / "autograded", assignment):
            pass
    except Exception as error:  # only a head start: the real work reports its own errors
        log.debug("No head start on the results: %s", error)
