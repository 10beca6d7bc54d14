"""Jobs for process-pool tests: a module importing only the standard library, so what a
worker process has loaded is what it started with, not what these jobs import."""

import os


def process_id(bundle, job):
    """The id of the process that ran the job (grade_class's worker-function signature)."""
    return os.getpid()


def loaded_and_parent(bundle, job):
    """Which of the grading stack's modules this process has loaded, its parent's pid, and
    whether it ignores Ctrl-C."""
    import signal
    import sys

    from convgrade.batch.startup import WORKER_MODULES

    loaded = [name for name in WORKER_MODULES if name in sys.modules]
    return loaded, os.getppid(), signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def hold_a_grader(bundle, job):
    """Build this worker's SubmissionGrader for `bundle`, as its first submission would, and
    return the process id and the grader's private course folder."""
    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import SubmissionGrader

    scheduler._grader = SubmissionGrader(bundle)
    return os.getpid(), str(scheduler._grader.root)


STUCK = "half-done"


def grade_or_get_stuck(bundle, job):
    """scheduler._grade, but the grader's own code gets stuck on STUCK's submission (a
    deadlock, a read that never returns), outside any student code."""
    import time

    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import SubmissionGrader

    if job.student == STUCK:
        SubmissionGrader.grade = lambda self, job: time.sleep(3600)
    return scheduler._grade(bundle, job)
