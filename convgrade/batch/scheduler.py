"""Grade a whole class: parallel, resumable, one gradebook writer, local processes or Dask.

Workers are long-lived processes, each holding one `SubmissionGrader` (a sandboxed kernel
always launched ahead); local ones are forked from one process that imported nbgrader and the
rest of the grading stack for all of them (convgrade/batch/startup.py). The coordinator hands
out submissions, and is the only process that writes the gradebook and the autograded
folders. With feedback, each worker also makes its student's feedback page right after
grading, so pages are made in parallel; the coordinator puts it in place after recording the
grades, or makes it itself when its gradebook says something else
(convgrade/feedback/writer.py). A submission whose files and grader are unchanged since it
was last recorded is skipped, so a run that was killed halfway finishes the rest when started
again.

Local worker processes are replaced after `TASKS_PER_WORKER` submissions, so whatever a
long-lived grading process accumulates (nbconvert's and traitlets' caches, fragmentation)
cannot grow with the class.
"""

import contextlib
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_as_completed
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path

from convgrade.batch import orphan_guard
from convgrade.batch.course_lock import grading_lock
from convgrade.batch.heap import return_large_blocks, settle_long_lived_objects
from convgrade.batch.startup import skip_optional_grammar, start_worker_imports
from convgrade.batch.state_files import read_json, write_json
from convgrade.batch.stuck_worker import ends_if_stuck

skip_optional_grammar()

from tqdm import tqdm  # noqa: E402

from convgrade.autograde.config_check import ConfigProblem, verify_course_config  # noqa: E402
from convgrade.batch.submission_grader import (  # noqa: E402
    CourseBundle,
    GradebookWriter,
    Job,
    SubmissionGrader,
    site_config_files,
    unsupported_settings,
    warm_up,
)
from convgrade.feedback.writer import (  # noqa: E402
    FeedbackPlacer,
    UnsafeFeedbackConfig,
    gradebook_facts,
    write_feedback,
)
from convgrade.intake.vetting import Intake, vet_submission  # noqa: E402
from convgrade.plain_text import plain  # noqa: E402
from convgrade.sandbox.bwrap import Sandbox, SandboxUnavailable  # noqa: E402
from convgrade.tempdirs import remove_stale  # noqa: E402

STATE_FILE = Path(".convgrade") / "graded.json"
# The last run's figures, each submission's time among them (see _save_timings).
LAST_RUN_FILE = STATE_FILE.with_name("last-run.json")
# A fresh process after this many submissions: its warm-up (imports and a first kernel, a
# few seconds) is then shared by 64, and memory stays what the first few submissions needed.
TASKS_PER_WORKER = 64
DIED = (
    "the grading process died while grading this submission alone (out of memory, or "
    "stuck and ended: see the grader's error output); the others were graded"
)

_grader = None  # one SubmissionGrader per worker process
_spawned_at = None  # when the coordinator asked for this worker process


def _start_worker(config_text, site_config, spawned_at, coordinator_pid=None):
    """Process-pool initializer: pay for imports and the first kernel before any task, and
    end with the coordinator (`coordinator_pid`), however it ends."""
    global _spawned_at
    _spawned_at = spawned_at
    # A forked worker ends with os._exit, which runs no atexit functions; multiprocessing
    # runs its own finalizers first.
    Finalize(None, _release_worker, exitpriority=0)
    if coordinator_pid is not None:
        orphan_guard.exit_with(coordinator_pid, _release_worker)
    warm_up(config_text, site_config)


def _release_worker():
    """What a worker process leaves behind when it exits: its spare kernel and checks
    process, and its private course copy."""
    from convgrade.sandbox.kernel import KernelPool
    from convgrade.sandbox.student_process import WorkerPool

    KernelPool.discard()
    WorkerPool.discard()
    if _grader is not None:
        _grader.close()


def _grade(bundle, job):
    """Grade one job, keeping one SubmissionGrader per worker process and course, across tasks."""
    global _grader, _spawned_at
    first = _grader is None or _same_run(_grader.bundle) != _same_run(bundle)
    if first:
        # Start-up counts from when the coordinator asked for this worker, if it did.
        started = time.monotonic() - max(0.0, time.time() - _spawned_at) if _spawned_at else None
        _grader, _spawned_at = SubmissionGrader(bundle, process_started=started), None
    with ends_if_stuck(_grader.stuck_after):
        graded = _grader.grade(job)
    if first:
        # What is loaded by now (modules, the grading stack, what grading one submission
        # builds and keeps) lives as long as the process.
        settle_long_lived_objects()
    return graded


def _same_run(bundle):
    """What a worker's SubmissionGrader was built for: a long-lived Dask worker serves
    several runs, and one may differ from the last only in the gradebook (a TA's scores)
    or in whether pages are wanted."""
    return bundle.fingerprint, bundle.feedback, bundle.gradebook


@dataclass
class BatchReport:
    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)  # student -> reason
    no_feedback: dict = field(default_factory=dict)  # graded, but no page: student -> reason
    # Pages the coordinator made itself: the worker's could not be used (see _record).
    feedback_here: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # student -> {phase: seconds}
    # host:pid of each grading process -> its peak resident memory (MiB) at its last job
    worker_memory: dict = field(default_factory=dict)
    seconds: float = 0.0


class GradingState:
    """Which submissions were recorded, with the content hash they had then."""

    def __init__(self, root):
        self.path = Path(root) / STATE_FILE
        self.unsaved = False  # whether a record could not be saved (said once)
        try:
            self.entries = read_json(self.path)
        except (OSError, ValueError):
            self.entries = {}
        if not isinstance(self.entries, dict):
            self.entries = {}

    def is_current(self, student, key):
        return self.entries.get(student) == key

    def record(self, student, key):
        self.entries[student] = key
        try:
            write_json(self.path, self.entries, indent=1, sort_keys=True)
        except OSError as error:  # grading goes on; the next run grades these again
            if not self.unsaved:
                print(
                    f"convgrade: could not save what is graded in {STATE_FILE} "
                    f"({_os_reason(error)}); the next run grades these students again",
                    file=sys.stderr,
                )
            self.unsaved = True


def submissions(root, assignment, students=None, limits=None, exclude=()):
    """Jobs for every submitted/<student>/<assignment>/ folder, sorted by student, but for
    the students in `exclude` (CourseDirectory.student_id_exclude, as nbgrader's
    init_destination); one at a time, as a generator.

    Each folder is read only through the intake (convgrade/intake.py): links, FIFOs,
    devices and oversized files are left out and recorded, never opened or followed.
    """
    submitted = Path(root) / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        student = folder.parent.name
        if (students and student not in students) or student in exclude:
            continue
        job = vetted_job(root, assignment, student, limits)
        say_refused(job)
        yield job


def vetted_job(root, assignment, student, limits=None):
    """The Job for submitted/<student>/<assignment>/, read through the intake now."""
    vetted = vet_submission(Path(root) / "submitted", student, assignment, limits=limits)
    # A refused notebook is left out: the worker grades its own stand-in, with the reason.
    # timestamp.txt stays among the files: nbgrader copies it into the autograded folder,
    # where its own init_destination reads it to see a newer resubmission.
    return Job(student, vetted.files, vetted.timestamp, vetted.refused)


def say_refused(job):
    """Print what the intake left out of `job`'s folder, and why."""
    for refusal in job.refused:
        print(f"convgrade: refused in {plain(job.student, 120)}'s submission: {refusal}")


def grade_class(
    root=".",
    assignment="convolutions",
    *,
    jobs=None,
    force=False,
    scheduler=None,
    students=None,
    progress=True,
    feedback=False,
    all_handed_out=None,
):
    """Grade every submission in root/submitted/ and record the results.

    Parameters
    ----------
    root : path
        The course folder (with nbgrader_config.py and gradebook.db).
    jobs : int, optional
        Worker processes; all cores by default. Ignored with a scheduler.
    force : bool
        Regrade submissions that are already recorded and unchanged.
    scheduler : str, optional
        Address of a Dask scheduler (tcp://HOST:PORT) whose workers do the grading.
    students : iterable of str, optional
        Grade only these.
    feedback : bool
        Also write each graded student's feedback page, as `nbgrader generate_feedback`
        (made by the workers); a submission whose grading fails loses a page that describes
        an older submission.
    all_handed_out : callable, optional
        Called once, with no arguments, when the last submission has been handed to a
        local worker: from then on cores fall idle, and the caller can start what follows.
        Not called with a Dask scheduler, which takes every submission at once.

    Returns
    -------
    BatchReport
    """
    return_large_blocks()  # each result is freed after recording: memory stays flat
    with grading_lock(Path(root)):
        return _grade_class(
            root,
            assignment,
            jobs=jobs,
            force=force,
            scheduler=scheduler,
            students=students,
            progress=progress,
            feedback=feedback,
            all_handed_out=all_handed_out,
        )


def _grade_class(
    root, assignment, *, jobs, force, scheduler, students, progress, feedback, all_handed_out
):
    """grade_class, with the course's grading lock held."""
    STOP_REQUESTED.clear()
    started = time.monotonic()
    root = Path(root).resolve()
    # Workers start first: their imports and first kernel overlap the set-up below.
    executor = _executor(
        (root / "nbgrader_config.py").read_text(),
        jobs,
        scheduler,
        site_config=site_config_files(cwd=root),
    )
    try:
        config = verify_course_config(root / "nbgrader_config.py")
        require_sandbox(config, root)
        writer = GradebookWriter(root, assignment)
        if refused := unsupported_settings(writer.config):
            raise ConfigProblem("; ".join(refused))
        pages = FeedbackPlacer(root, assignment, writer.config) if feedback else None
    except (ConfigProblem, SandboxUnavailable, UnsafeFeedbackConfig):
        executor.__exit__(None, None, None)
        raise
    bundle = CourseBundle.from_course(root, assignment)
    bundle.feedback = feedback
    state = GradingState(root)
    report = BatchReport()
    todo = []
    limits = Intake(config=config)
    exclude = [s for s in writer.coursedir.student_id_exclude.split(",") if s]
    for job in submissions(root, assignment, students, limits, exclude):
        key = f"{bundle.fingerprint}:{job.digest}"
        folder = root / "autograded" / job.student / assignment
        if not force and state.is_current(job.student, key) and folder.exists():
            report.skipped.append(job.student)
        else:
            # Only the name waits in the queue: the files are read again when the submission
            # is handed out, so the coordinator holds only those being graded, whatever the
            # size of the class.
            todo.append((job.student, key))

    def hand_out(student, key):
        folder = root / "submitted" / student / assignment
        if not folder.is_dir():  # moved or deleted since the run listed it
            report.failed[student] = (
                f"submitted/{plain(student, 80)}/{assignment}/ is gone since the run started; "
                "not graded, and its grades and page are left as they were"
            )
            return None
        job = vetted_job(root, assignment, student, limits)
        # The folder may have changed since: record the digest of what is graded, and say
        # what its intake refused now.
        graded_key = f"{bundle.fingerprint}:{job.digest}"
        if graded_key != key:
            say_refused(job)
        return job, graded_key

    todo = longest_first(todo, root)
    bar = tqdm(
        total=len(todo),
        unit="submission",
        disable=not progress or not todo,
        desc=f"grading {assignment}",
    )
    with executor:
        executor.bundle = bundle

        later = []  # (job, key): pages the coordinator makes itself, after grading

        recorded = 0

        def done(future, job, key):
            nonlocal recorded
            with _ctrl_c_deferred():
                _record(future, job, key, writer, state, report, pages, later)
                recorded += 1
                if recorded == 1:  # the writer's queries and the page placer are built now
                    settle_long_lived_objects()
            bar.update()
            if STOP_REQUESTED.is_set():
                # A Ctrl-C Python dropped: a signal handler's exception raised inside a
                # garbage collector's callback is ignored. It stops the run here instead.
                raise KeyboardInterrupt

        run_jobs(executor, todo, done, all_handed_out, hand_out)
    bar.close()
    if later:
        errors = write_feedback(root, assignment, [job.student for job, _ in later])
        for job, key in later:
            if job.student in errors or "*" in errors:
                error = errors.get(job.student, errors.get("*"))
                report.no_feedback[job.student] = (str(error).strip().splitlines() or [""])[-1]
                with contextlib.suppress(OSError):  # its own reason is already given
                    pages.remove(job.student)
            else:  # recorded as done only once its page exists, so a kill makes it again
                report.feedback_here.append(job.student)
                state.record(job.student, key)
    remove_stale()  # what a worker killed mid-run left in the temporary folder
    report.seconds = time.monotonic() - started
    _save_timings(root, report)
    return report


# Ctrl-C, and the polite stop a scheduler or `kill` sends: both wait for a record to finish.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Set by the command's handler of STOP_SIGNALS (cli._interrupt_once), cleared by each run.
STOP_REQUESTED = threading.Event()


@contextlib.contextmanager
def _ctrl_c_deferred():
    """Hold Ctrl-C (SIGINT) until the block ends, then act on it as before: a submission is
    recorded whole (grades, autograded folder, page and state together), so a run stopped
    there and started again neither regrades it nor misses it. Python runs signal handlers
    in the main thread only, so only there is a handler swapped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = {
        signum: signal.signal(signum, lambda signum, frame: held.append((signum, frame)))
        for signum in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            signum, frame = held[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                raise KeyboardInterrupt


def _save_timings(root, report):
    """Keep the last run's figures for `make bench` and for curious instructors."""
    write_json(
        root / LAST_RUN_FILE,
        {
            "seconds": report.seconds,
            "timings": report.timings,
            "graded": report.graded,
            "skipped": report.skipped,
            "failed": report.failed,
            "worker_peak_rss_mib": report.worker_memory,
            # The coordinator's (Linux reports ru_maxrss in KiB).
            "grader_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        indent=1,
    )


def longest_first(todo, root):
    """`todo` ([(student, key)]) reordered for a regrade: the students the last run took
    longest on first, and before them all, those it did not grade (in their order).

    Near the end of a run, cores whose worker has no submission left sit idle until the
    slowest one is done: a hanging submission handed out last keeps one core busy for its
    whole time limit while the others wait. Handed out first, it overlaps the rest. A first
    run has no times, and keeps the order it was given.
    """
    try:
        timings = read_json(Path(root) / LAST_RUN_FILE)["timings"]
        seconds = {
            student: float(figures["total"])
            for student, figures in timings.items()
            if isinstance(figures, dict) and isinstance(figures.get("total"), (int, float))
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return list(todo)  # no last run, or not one this version wrote: nothing to go by
    return sorted(todo, key=lambda item: -seconds.get(item[0], float("inf")))


def require_sandbox(config, root):
    """Stop before any student code runs unless bubblewrap works, or the instructor waived it."""
    sandbox = Sandbox(config=config, course_root=root)
    if not sandbox.is_sandboxed:
        print(
            "convgrade: UNSAFE: c.Sandbox.mode is 'unsafe-no-sandbox'. Student code runs "
            "with your permissions and can read or change any of your files.",
            file=sys.stderr,
        )
    sandbox.check_available()


def run_jobs(executor, todo, done, all_handed_out=None, hand_out=None):
    """Run every item of `todo`, calling done(future, job, key) as each finishes, and, on
    local processes, all_handed_out() once when no job is left to hand out. An item is a
    (job, key), or what hand_out(*item) turns into one when it is handed to a worker.

    On local processes at most one job per worker is in flight, so when a grading process
    dies (BrokenProcessPool) only those jobs are suspects: the pool is rebuilt, and each
    suspect is graded again on its own. One that kills the pool alone gets done() with a
    future holding DIED; every bystander is graded. A worker that finishes is handed its
    next job before done() records the last one, so it never waits for the recording.
    """
    hand_out = hand_out or (lambda job, key: (job, key))
    if executor.scheduler:  # Dask reschedules the tasks of a lost worker itself
        # Every task goes to the cluster at once, so there is no moment when cores here
        # fall idle: no all_handed_out.
        todo = [handed for item in todo if (handed := hand_out(*item)) is not None]
        pending = {executor.submit(job): (job, key) for job, key in todo}
        for future in executor.as_completed(list(pending)):
            done(future, *pending.pop(future))
        return
    announce = all_handed_out
    queue, suspects, pending = list(todo), [], {}

    def keep_workers_busy():
        nonlocal announce
        if suspects and not pending:  # a suspect runs alone, so a crash names it
            job, key = suspects.pop(0)
            pending[_submit(executor, job)] = (job, key, True)
        elif not suspects and not any(alone for *_, alone in pending.values()):
            while queue and len(pending) < executor.slots:
                handed = hand_out(*queue.pop(0))
                if handed is None:  # hand_out said why
                    continue
                job, key = handed
                # Near the end, a worker's next submission may never come: no spares then.
                job.more_follow = len(queue) >= executor.slots
                pending[_submit(executor, job)] = (job, key, False)
                if not queue and announce is not None:
                    _announce(announce)
                    announce = None  # once, even if a crash hands suspects out again

    while queue or suspects or pending:
        keep_workers_busy()
        finished = next(executor.as_completed(list(pending)))
        job, key, alone = pending.pop(finished)
        if not isinstance(finished.exception(), BrokenProcessPool):
            # Recording takes the coordinator a few tenths of a second (the gradebook, the
            # autograded folder, the page): the worker grades its next submission meanwhile.
            keep_workers_busy()
            done(finished, job, key)
            continue
        # The pool is broken: every future still pending fails too, at once.
        futures_wait(list(pending))
        for future, (other, other_key, other_alone) in [(finished, (job, key, alone))] + list(
            pending.items()
        ):
            if not isinstance(future.exception(), BrokenProcessPool):
                done(future, other, other_key)  # it finished before the crash
            elif other_alone:
                done(_Failed(RuntimeError(DIED)), other, other_key)
            else:
                suspects.append((other, other_key))
        pending = {}
        _rebuild(executor)


class GradingStopped(Exception):
    """The run cannot go on (its worker processes cannot be started again); what was
    recorded stays, and a new run grades the rest."""


# A fork server killed again while its replacement starts: the next attempt starts another.
REBUILD_ATTEMPTS = 3


def _rebuild(executor):
    """executor.rebuild(), tried again if the processes die while starting."""
    for attempt in range(1, REBUILD_ATTEMPTS + 1):
        try:
            executor.rebuild()
            return
        except (BrokenProcessPool, EOFError, OSError) as error:
            if attempt == REBUILD_ATTEMPTS:
                raise GradingStopped(
                    f"the grading processes could not be started again ({type(error).__name__}: "
                    f"{plain(str(error), 120)})"
                ) from error


def _announce(all_handed_out):
    """Call all_handed_out(): a head start on what follows, never a reason to stop grading."""
    try:
        all_handed_out()
    except Exception as error:
        print(f"convgrade: could not start the results early: {error}", file=sys.stderr)


def _submit(executor, job):
    """executor.submit(job); if a grading process died since the last look, the pool refuses
    new work, so hand back a future holding that refusal: run_jobs then treats the job like
    any other the crash caught (graded again once the pool is rebuilt)."""
    try:
        return executor.submit(job)
    except (BrokenProcessPool, EOFError, OSError) as refusal:
        # EOFError, OSError: a new process could not be had from a fork server that died
        future = Future()
        future.set_exception(
            refusal if isinstance(refusal, BrokenProcessPool) else BrokenProcessPool(refusal)
        )
        return future


class _Failed:
    """A finished future holding `error`, for done() callbacks."""

    def __init__(self, error):
        self._error = error

    def result(self):
        raise self._error

    def exception(self):
        return self._error


def _record(future, job, key, writer, state, report, pages=None, later=None):
    """Record one finished job: its grades, then (with `pages`) its feedback page, then the
    state that lets a resumed run skip it. A job whose page is left to the coordinator goes
    to `later`, and is marked done there once its page exists."""
    try:
        graded = future.result()
    except Exception as error:  # the worker itself died: nothing recorded, retried next run
        failed = str(error) == DIED
        report.failed[job.student] = (
            DIED if failed else f"worker failed: {type(error).__name__}: {error}"
        )
        _take_down_stale_page(pages, state, job, report)
        return
    if graded.worker:
        process, peak = graded.worker
        report.worker_memory[process] = max(peak, report.worker_memory.get(process, 0.0))
    if graded.error:
        report.failed[job.student] = graded.error
        _take_down_stale_page(pages, state, job, report)
        return
    try:
        graded.timings["record"] = writer.record(job, graded)
    except Exception as error:  # not recorded: say why, keep going, retry on the next run
        report.failed[job.student] = f"could not record: {type(error).__name__}: {error}"
        _take_down_stale_page(pages, state, job, report)
        return
    report.graded.append(job.student)
    report.timings[job.student] = graded.timings
    if pages is not None:
        started = time.monotonic()
        try:
            agreed = graded.feedback is not None and graded.feedback_facts == gradebook_facts(
                writer.db_url, writer.assignment, job.student
            )
            if not agreed:
                raise ValueError(graded.feedback_error or "the worker's gradebook disagrees")
            pages.place(job.student, graded.feedback)
        except Exception:  # the old page would show the old grade: down, and made here later
            if _take_down(pages, job.student, report):
                later.append((job, key))
            return
        finally:
            graded.timings["place_feedback"] = time.monotonic() - started
    state.record(job.student, key)


def _take_down_stale_page(pages, state, job, report):
    """A failed student keeps no page made for a different submission than theirs now."""
    recorded = state.entries.get(job.student, "")
    if pages is not None and not recorded.endswith(f":{job.digest}"):
        _take_down(pages, job.student, report)


def _take_down(pages, student, report):
    """Remove `student`'s page; if it cannot be moved, say so (the student is then not
    marked done, so the next run tries again) and go on. Whether it came down."""
    try:
        pages.remove(student)
        return True
    except OSError as error:
        report.no_feedback[student] = f"the old page cannot be replaced: {_os_reason(error)}"
        return False


def _os_reason(error):
    return f"{error.strerror or type(error).__name__}: {plain(str(error.filename or ''), 120)}"


class _executor:
    """Context manager with submit(job) -> future and as_completed(futures), local or Dask.

    Local worker processes are started at construction, so they warm up while the
    coordinator prepares; set `bundle` before submitting.
    """

    def __init__(
        self,
        config_text,
        jobs,
        scheduler,
        *,
        function=None,
        initializer=_start_worker,
        site_config=(),
    ):
        self.scheduler, self.bundle, self._scattered = scheduler, None, None
        self.function = function or _grade
        self.slots = jobs or os.cpu_count() or 1
        self._config_text, self._initializer = config_text, initializer
        self._site_config = list(site_config)
        if scheduler:
            from distributed import Client, as_completed

            self.client = Client(scheduler)
            self.as_completed = as_completed
        else:
            self.as_completed = futures_as_completed
            self._spawn()

    def _spawn(self):
        # Ctrl-C is the coordinator's alone (it stops the run and says how to resume): the
        # workers are forked from a server started with SIGINT ignored, and ignore it too.
        self.pool = ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=start_worker_imports(),
            initializer=self._initializer,
            initargs=(
                (self._config_text, self._site_config, time.time(), os.getpid())
                if self._initializer
                else ()
            ),
        )
        for _ in range(self.slots):  # start them all now, not on demand
            self.pool.submit(int)
        self._handed_out = 0

    def rebuild(self):
        """A fresh pool, after one of the processes died and broke this one."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._spawn()

    def __enter__(self):
        return self

    def submit(self, job):
        if self.scheduler:
            if self._scattered is None:  # send the course to every worker once
                self._scattered = self.client.scatter(self.bundle, broadcast=True)
            return self.client.submit(_grade, self._scattered, job, pure=False)
        if self._handed_out >= self.slots * TASKS_PER_WORKER:
            # Python 3.11's max_tasks_per_child deadlocks with spawned processes (measured:
            # a pool of 2 never finished 40 tasks), so whole pools take turns instead: this
            # one finishes what it holds and its processes exit, while a fresh pool warms up.
            self.pool.shutdown(wait=False)
            self._spawn()
        self._handed_out += 1
        return self.pool.submit(self.function, self.bundle, job)

    def __exit__(self, *exc):
        if self.scheduler:
            self.client.close()
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)
