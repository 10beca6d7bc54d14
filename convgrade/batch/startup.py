"""Cheaper start-up for grading processes: skip work nbgrader never uses, and import the
grading stack once for all of a run's local workers, not once in each.

Light on purpose: the coordinator imports this before nbgrader, to start the workers'
imports early.
"""

import contextlib
import multiprocessing
import signal
import sys
import threading
from multiprocessing import forkserver

# What a local grading process imports before its first submission finishes: about 2 s of
# CPU in each process spawned afresh. A fork server imports them once, and every worker is
# forked from it with all of them loaded.
WORKER_MODULES = (
    "convgrade.batch.scheduler",  # the workers' entry point; nbgrader, nbformat, SQLAlchemy
    "nbgrader.converters",  # Autograde: the configured preprocessors and exporter
    "convgrade.sandbox.kernel",  # jupyter_client, for the sandboxed kernels
    "convgrade.sandbox.student_process",
    "convgrade.checks.runner",
    "pytest",  # the hidden checks run under pytest in the worker
    "convgrade.feedback.writer",  # nbconvert's HTML exporter, Jinja and Pygments
)


def skip_optional_grammar():
    """Make `rfc3987_syntax` unimportable before jsonschema looks for it.

    jsonschema imports this optional package to check the "iri" string formats, and it
    compiles a grammar at import: about a second here, in every process. Notebook schemas
    use no such format, and jsonschema treats the ImportError as "format not checked"
    (tests/test_startup.py shows validation is unchanged). Call before importing nbgrader.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None


def worker_context():
    """How local workers start: forked from a server that imported WORKER_MODULES.

    Not forked from the coordinator itself, which holds database connections and threads:
    the server is a fresh interpreter that only imports, with one thread. A forked worker
    exits without running atexit functions; scheduler._start_worker registers what it must
    release at exit with multiprocessing instead."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def start_worker_imports():
    """Start the fork server now, so that it imports while the coordinator prepares the run.

    Ctrl-C belongs to the coordinator (it stops the run and says how to resume): the server
    starts with SIGINT ignored, which Python then keeps, and so do the workers forked from
    it. Only the launch is shielded, not the wait for the server's imports, so a Ctrl-C
    meanwhile still stops the run. Calling again does nothing while the server runs.
    Returns worker_context()."""
    context = worker_context()
    with _sigint_ignored():
        forkserver.ensure_running()
    return context


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT inside the block, if this is the main thread (only it may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        # None: a handler not set from Python, which can only be the default one.
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
