"""A grading process stuck on one submission ends itself, so it cannot stall the run.

Student code is bounded by its budgets: CPU time, with a wall-clock backstop at
WALL_CLOCK_FACTOR times each. The grader's own code around it has no such bound: a
deadlock in a library, a read that never returns, would hold its grading process, and the
whole run would wait for it forever.

So each submission a grading process takes has a deadline far above anything its budgets
allow. Past it, faulthandler's watchdog (a thread of its own, in C, so it fires whatever
the main thread is doing) writes every thread's stack to the grader's error output, for
the instructor to pass on, and ends the process. The coordinator then handles it as any
grading process that died: the submissions that were in flight are graded again, each
alone, and one that sticks again is recorded as failed (scheduler.DIED); the rest of the
class is graded.
"""

import faulthandler
import sys
from contextlib import contextmanager

from traitlets import Float
from traitlets.config import Configurable

# Beyond the student's budgets: start-up, sanitising, feedback, kernels that take their
# time to start and stop on a busy machine. Generous: only a process that is truly stuck
# should ever reach it.
GRADER_SECONDS = 600.0


class GradingProcess(Configurable):
    stuck_after = Float(
        None,
        allow_none=True,
        help="Seconds one submission may hold a grading process before the process is "
        "taken to be stuck outside the student's code: it writes its stack to the error "
        "output and ends, and the submission is graded once more alone, then recorded as "
        "failed if it sticks again. By default, 3 times HiddenChecks.submission_budget per "
        f"notebook (its wall-clock backstop), plus {GRADER_SECONDS:g} s. 0: never.",
    ).tag(config=True)


def stuck_after(config, notebooks):
    """Seconds after which a grading process holding one submission of `notebooks`
    notebooks is stuck, under the course's `config`; 0 for never."""
    from convgrade.autograde.hiddenchecks import HiddenChecks
    from convgrade.sandbox.student_process import WALL_CLOCK_FACTOR

    configured = GradingProcess(config=config).stuck_after
    if configured is not None:
        return max(configured, 0.0)
    budget = HiddenChecks(config=config).submission_budget
    if budget <= 0:  # no budget: student code may run as long as it likes
        return 0.0
    return WALL_CLOCK_FACTOR * budget * max(notebooks, 1) + GRADER_SECONDS


@contextmanager
def ends_if_stuck(seconds):
    """Inside the block, this process ends after `seconds` (0: never), writing every
    thread's stack to stderr first."""
    output = sys.__stderr__ or sys.stderr
    if not seconds or output is None:  # nowhere to say why it ended: better not to end
        yield
        return
    faulthandler.dump_traceback_later(seconds, exit=True, file=output)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
