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
import math
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
        "failed if it sticks again. By default, per notebook, 4 times the sum of "
        "HiddenChecks.submission_budget and SandboxedExecute.notebook_budget (their "
        f"wall-clock backstops, with room for a busy machine), plus {GRADER_SECONDS:g} s. "
        "0: never.",
    ).tag(config=True)


def stuck_after(config, notebooks):
    """Seconds after which a grading process holding one submission of `notebooks`
    notebooks is stuck, under the course's `config`; 0 for never."""
    from convgrade.autograde.hiddenchecks import HiddenChecks
    from convgrade.autograde.sandboxedexecute import SandboxedExecute
    from convgrade.sandbox.student_process import WALL_CLOCK_FACTOR

    configured = GradingProcess(config=config).stuck_after
    if configured is not None:
        return max(configured, 0.0)
    budget = HiddenChecks(config=config).submission_budget
    notebook_run = SandboxedExecute(config=config).notebook_budget
    if not (0 < budget < math.inf and 0 < notebook_run < math.inf):
        return 0.0  # no budget: student code may run as long as it likes
    # The notebook run's wall-clock backstop, then the checks' on what the run left; one
    # more of each for the waiting a busy machine adds (see README, Time limits).
    wall = (WALL_CLOCK_FACTOR + 1) * (budget + notebook_run)
    return wall * max(notebooks, 1) + GRADER_SECONDS


@contextmanager
def ends_if_stuck(seconds):
    """Inside the block, this process ends after `seconds` (0: never), writing every
    thread's stack to stderr first. Not for a process that forks without exec meanwhile
    (Python 3.11: such a child may hang at exit); the grader starts sandboxes by exec."""
    try:
        faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    except (AttributeError, ValueError, OSError, OverflowError):
        # 0 or beyond what a timer holds, or no error output to say why it would end:
        # better not to end it.
        yield
        return
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
