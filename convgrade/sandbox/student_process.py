"""The grader's handle on one student's code, running in a sandboxed worker process."""

import atexit
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convgrade.checks.failures import (
    StudentCodeError,
    clean_error_record,
    clean_text,
    describe_error,
    error_cell,
    error_location,
)
from convgrade.checks.failures import type_name as safe_type_name
from convgrade.checks.misconceptions import diagnose_exception_all
from convgrade.contract import FORBIDDEN, Mistake
from convgrade.sandbox import inside
from convgrade.sandbox.bwrap import Sandbox, end_sandbox
from convgrade.sandbox.cpu_clock import CpuClock
from convgrade.tempdirs import PrivateFolder

SANDBOX_DIR = Path("/tmp/convgrade")
# A function whose calls ended the worker this many times is not called again. Twice, not
# once: a kill from outside the sandbox (the host's out-of-memory killer, say) must cost
# one check, not every later check of whatever function happened to be running.
CRASHES_BEFORE_BAR = 2
# Fresh workers one submission may cost (about 0.2 s each) before its remaining checks are
# not run: enough for the crashes that bar the graded functions (convolve, convolve_color
# plainly and with the grader's convolve, to_uint8), each also run once more in a fresh
# worker to be sure of the blame (_send), so those bars, not this cap, decide.
MAX_STARTS = 1 + 5 * (CRASHES_BEFORE_BAR + 1)
# The largest honest reply (a colour photo's float64 result and the inputs) is under 8 MiB.
MAX_REPLY_BYTES = 1 << 25
# Raised in the worker when student code reaches a forbidden routine at run time.
FORBIDDEN_ERRORS = ("ForbiddenRoutineError", "ForbiddenImportError", "ForbiddenProgramError")
# Time limits count the worker's CPU time, so a busy machine never fails slow but correct
# code. Wall-clock time is only the backstop, this many times the limit: it stops code that
# waits without computing (sleep, a blocked read) and code that hides its work elsewhere.
WALL_CLOCK_FACTOR = 3.0
# How often a call still running is checked against its CPU-time limit.
POLL_SECONDS = 0.1
# Asks one call may make of a stand-in: a colour check has at most four channels, and
# colour code may well ask twice for each; far more only spends the grader's time.
MAX_STAND_IN_ASKS = 256


@dataclass
class Returned:
    """A value that came back from student code, as plain data."""

    type_name: str
    array: np.ndarray | None = None
    text: str = ""

    @property
    def is_ndarray(self):
        return self.type_name == "ndarray" and self.array is not None


@dataclass
class CallResult:
    value: Returned
    args_after: list = field(default_factory=list)
    seconds: float = 0.0
    # With a stand-in: whether the call asked it for every answer it holds.
    stand_in_complete: bool | None = None
    # Whether the result was one of the arguments, or an array over one's memory.
    returned_an_argument: bool = False


class StandInAnswers:
    """The grader's side of a stand-in (inside.StandIn): answers kept here, given out one
    at a time for exactly the inputs they belong to, with a note of which were asked.

    `answers` (convgrade.checks.knock_on.ReferenceAnswers) decides which inputs those are:
    its `answer(image, kernel)` gives (the answers matched, the array) or None, it has a
    length, and `largest_ask_bytes` bounds what is worth parsing.
    """

    def __init__(self, answers):
        self.answers = answers
        self.asked = set()
        self.asks = 0

    def begin(self):
        """A fresh attempt at the call (a new worker): nothing asked yet."""
        self.asked.clear()
        self.asks = 0

    def reply(self, message, blobs):
        """The (header, blobs) answering one ask (an image and a kernel in `blobs`); a
        refusal for anything else; ValueError for too many asks."""
        self.asks += 1
        if self.asks > MAX_STAND_IN_ASKS:
            raise ValueError("too many asks for the stand-in")
        found = None
        if len(blobs) == 2 and max(map(len, blobs)) <= self.answers.largest_ask_bytes:
            try:
                image, kernel = (inside.array_from_bytes(blob) for blob in blobs)
            except (ValueError, TypeError, EOFError):
                image = kernel = None
            if image is not None:
                found = self.answers.answer(image, kernel)
        if found is None:
            return {"ok": False}, []
        matched, answer = found
        self.asked |= matched
        return {"ok": True}, [inside.array_to_bytes(np.asarray(answer))]

    @property
    def complete(self):
        return len(self.asked) >= len(self.answers)


class WorkerFailed(Exception):
    """The worker died, hung or broke the protocol; `reason` says which, for the student."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _WallClock:
    """Wall-clock seconds since it was made, less the time the worker waited for a CPU:
    the backstop counts sleeping and blocking, not a machine too busy to run the worker.

    At most `max_subtracted` seconds of waiting are left out: the worker also waits while
    its own sandbox's processes hold the CPUs, and that must not stretch the backstop
    without end. With the request's CPU limit as the cap, a request ends within
    (WALL_CLOCK_FACTOR + 1) times its limit of real time."""

    def __init__(self, cpu_clock, max_subtracted):
        self.cpu_clock = cpu_clock
        self.max_subtracted = max_subtracted
        self.started = time.monotonic()
        self.waited = cpu_clock.waiting_seconds()

    def elapsed(self):
        waited = min(self.cpu_clock.waiting_seconds() - self.waited, self.max_subtracted)
        return max(time.monotonic() - self.started - waited, 0.0)


class TimedOut(WorkerFailed):
    """A request used up its time limit (`limit` CPU seconds, or the wall-clock backstop)
    and the worker was killed; `within` says which, for the student."""

    def __init__(self, limit, wall_clock=False):
        self.within = (
            f"{limit * WALL_CLOCK_FACTOR:g} s of wall-clock time"
            if wall_clock
            else f"{limit:g} s of CPU time"
        )
        super().__init__(f"it did not finish within {self.within}")
        self.limit = limit


class StudentProcess:
    """Start the student's code in a sandbox and call its functions with plain arrays.

    Parameters
    ----------
    cells : list of dict
        ``{"index": int, "source": str, "answer": bool}`` for each code cell to load.
    sandbox : Sandbox
    files_dir : path, optional
        Files the code may read (the assignment's images), copied into its working folder.
    call_timeout : float
        CPU seconds one call may use before the worker is killed (or WALL_CLOCK_FACTOR
        times as many seconds of wall-clock time). A function stopped once is not called
        again: its later calls fail at once, naming the input it did not finish, and so do
        calls of it from the student's other functions (inside.BarredFunction). So does a
        function whose calls ended the process CRASHES_BEFORE_BAR times: crashes cost a
        fresh process each, and the checks of the student's other functions still run.
    budget : float
        CPU seconds the loading and all calls together may use; past it, calls fail at once.
    wall_budget : float, optional
        Wall-clock seconds they may take together, the backstop for code that waits instead
        of computing; by default WALL_CLOCK_FACTOR times the budget.
    load_timeout : float
        CPU seconds the student's cells may use to load (top-level code runs then).
    preload : sequence of str
        Modules to import before the student's code runs.
    policy : ForbiddenPolicy
        The library routines to block at run time and whose packages the sandbox hides.
    """

    def __init__(
        self,
        cells,
        sandbox=None,
        *,
        files_dir=None,
        call_timeout=10.0,
        budget=90.0,
        wall_budget=None,
        load_timeout=30.0,
        preload=("numpy",),
        policy=FORBIDDEN,
    ):
        self.cells = cells
        self.sandbox = sandbox or Sandbox()
        self.files_dir = Path(files_dir) if files_dir else None
        self.call_timeout = call_timeout
        self.budget = budget
        self.wall_budget = budget * WALL_CLOCK_FACTOR if wall_budget is None else wall_budget
        self.wall_spent = 0.0
        self.load_timeout = load_timeout
        self.preload = preload
        self.policy = policy
        self.spent = 0.0
        self.load_errors = []
        self.timeouts = {}
        # (function, with a stand-in or not) -> the input it did not finish on, by shape
        # only. Apart, because a call with a stand-in runs other code: convolve_color that
        # hung in the student's convolve may finish with the grader's results in its place.
        self.hangs = {}
        # (function, with a stand-in or not) -> how each of its calls that ended the process
        # ended it, and on what input. Barred from CRASHES_BEFORE_BAR on.
        self.crashed_calls = {}
        self.crashes = []  # every way the process ended, for the problem list
        self.starts = 0
        self._loaded = False  # whether the student's cells ever loaded in a worker
        self.load_failure = None
        self.forbidden_calls = []  # "convolve: np.correlate is not allowed ...", at run time
        self.call_seconds = 0.0  # time inside student code, as seen from here
        self.worker_cpu_seconds = 0.0  # CPU of the sandboxed workers, counted when they stop
        self._worker = None
        # Whether the current worker has answered a call or get since it loaded the cells,
        # and the (call key, args) of its last answered call (None after a get).
        self._served, self._last_call = False, None

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self):
        """Start the worker and load the student's cells; a failure is kept in load_failure."""
        if self.spent >= self.budget or self.wall_spent >= self.wall_budget:
            # Asking for a timeout of 0 s would tell the student "not within 0 s".
            self.load_failure = (
                "your code used up the grading time budget "
                f"({self.budget:g} s of CPU time in total) before the checks could run it"
            )
            return self
        self.starts += 1
        self._served, self._last_call = False, None
        self._worker = WorkerPool.take(self.sandbox, self.preload, self.policy)
        if self.files_dir:
            shutil.copytree(self.files_dir, self._worker.input_dir, dirs_exist_ok=True)
        started = time.monotonic()
        try:
            self._wait_until_ready()
        except WorkerFailed as failure:
            # Not the student's code: the worker starts before any of it is loaded.
            self.load_failure = (
                "the grader's sandboxed process did not answer as it started, before any of "
                f"your code ran ({failure.reason}): a problem of the grader, not of your code"
            )
            return self
        self._worker.student_code_ran = True
        try:
            header, _ = self._request(
                # Functions that hung in, or ended, earlier workers raise at once when
                # student code calls them (inside.BarredFunction): a hang costs its time
                # limit once, and crashes a few fresh processes.
                {
                    "op": "load",
                    "cells": self.cells,
                    "input": True,
                    "hung": _plain_calls(self.hangs),
                    "crashed": _plain_calls(self._barred_crashes()),
                },
                timeout=min(self.load_timeout, self.budget - self.spent),
            )
        except WorkerFailed as failure:
            load_failed = failure
        else:
            load_failed = None
        finally:
            self.call_seconds += time.monotonic() - started
        if load_failed is not None:
            # A process killed from outside (the host's out-of-memory killer, say) looks the
            # same as code that ends its own: so a first load is tried once more, and cells
            # that loaded before are loaded again within the cap on fresh processes. A time
            # stop is never tried again: it would only cost its limit twice.
            again = self._loaded or self.starts == 1
            if again and not isinstance(load_failed, TimedOut) and self.starts < MAX_STARTS:
                self.crashes.append(f"loading your code again: {load_failed.reason}")
                return self.start()
            self.load_failure = f"running your notebook's code stopped: {load_failed.reason}"
            return self
        self._loaded = True
        errors = header.get("errors")
        errors = errors[:20] if isinstance(errors, list) else []
        self.load_errors = [clean_error_record(e, self.cells) for e in errors]
        return self

    def _wait_until_ready(self):
        """Wait for a worker still starting (importing numpy): that time is the grader's,
        so it does not count in the student's budget. A spare started earlier answers at
        once."""
        spent, wall_spent = self.spent, self.wall_spent
        try:
            self._request({"op": "ping"}, timeout=self.load_timeout)
        finally:
            self.spent, self.wall_spent = spent, wall_spent

    def close(self):
        if self._worker is not None:
            self._kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _kill(self):
        worker_process, self._worker = self._worker, None
        self.worker_cpu_seconds += worker_process.cpu_seconds()
        worker_process.kill()

    # ---- protocol --------------------------------------------------------------------------
    def _request(self, header, blobs=(), *, timeout, stand_in=None):
        """Send one request and wait for its reply, killing the worker if it misbehaves.

        `timeout` is in CPU seconds of the worker; what the request used counts in `spent`.
        `stand_in` (StandInAnswers) answers the asks its stand-in makes meanwhile; without
        one, an ask is a message the grader never expected.
        """
        worker = self._worker
        process = worker.process
        request_id = secrets.token_hex(8)
        cpu_before = worker.student_cpu_seconds()
        # What the sandbox used between requests counts too: a child forked by one call may
        # go on spinning while the grader compares that call's result.
        self.spent += max(cpu_before - worker.counted_cpu_seconds, 0.0)
        wall_clock = _WallClock(worker.cpu_clock, max_subtracted=timeout)
        wall_limit = min(timeout * WALL_CLOCK_FACTOR, self.wall_budget - self.wall_spent)
        try:
            message = inside.encode_message(dict(header, id=request_id), blobs)
            self._write(process, message, timeout, cpu_before, wall_clock, wall_limit)
            if stand_in is not None:
                stand_in.begin()
            while True:
                reply, reply_blobs = self._read_reply(
                    process, timeout, cpu_before, wall_clock, wall_limit
                )
                if reply.get("op") != "ask":
                    break
                if stand_in is None or reply.get("id") != request_id:
                    raise ValueError("an ask the grader did not expect")
                answer, answer_blobs = stand_in.reply(reply, reply_blobs)
                message = inside.encode_message(dict(answer, id=request_id), answer_blobs)
                self._write(process, message, timeout, cpu_before, wall_clock, wall_limit)
            if reply.get("id") != request_id:
                # Someone else wrote into the pipe: nothing after this can be trusted.
                raise ValueError("a reply to a request the grader never made")
            return reply, reply_blobs
        except TimeoutError as stopped:
            self._kill()
            raise TimedOut(timeout, wall_clock=stopped.args == ("wall",)) from None
        except (EOFError, ValueError, OSError) as error:
            try:  # a closed pipe usually means the process is exiting: give it a moment
                code = process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            # Once student code has run, what it printed is its own: never repeated.
            detail = "" if self._worker.student_code_ran else self._worker.startup_error()
            self._kill()
            if isinstance(error, ValueError):
                # Fixed text: the sizes and bytes in the error are the student's choice.
                raise WorkerFailed("your code sent malformed data to the grader") from None
            raise WorkerFailed(_describe_exit(code, detail)) from None
        finally:
            # Counted even for a worker just killed: its CPU time was read before the kill.
            cpu_after = worker.student_cpu_seconds()
            self.spent += max(cpu_after - cpu_before, 0.0)
            worker.counted_cpu_seconds = cpu_after
            self.wall_spent += wall_clock.elapsed()

    def _write(self, process, message, timeout, cpu_before, wall_clock, wall_limit):
        """Write `message` to the worker within the same limits as reading its reply: a
        worker that stops reading (student code that asks the stand-in and never reads the
        answers) would otherwise block the grader in a full pipe for good (red team)."""
        worker = self._worker
        fd = process.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(message)
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            while view:
                remaining = wall_limit - wall_clock.elapsed()
                if remaining <= 0:
                    raise TimeoutError("wall")
                if not selector.select(min(remaining, POLL_SECONDS)):
                    if worker.student_cpu_seconds() - cpu_before >= timeout:
                        raise TimeoutError
                    continue
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    continue

    def _read_reply(self, process, timeout, cpu_before, wall_clock, wall_limit):
        """The reply, or TimeoutError once the worker has used `timeout` CPU seconds since
        `cpu_before`, or `wall_clock` has counted `wall_limit` seconds."""
        worker = self._worker
        fd = process.stdout.fileno()
        buffer = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)

            def read_exactly(size):
                while len(buffer) < size:
                    remaining = wall_limit - wall_clock.elapsed()
                    if remaining <= 0:
                        raise TimeoutError("wall")
                    if not selector.select(min(remaining, POLL_SECONDS)):
                        if worker.student_cpu_seconds() - cpu_before >= timeout:
                            raise TimeoutError
                        continue
                    chunk = os.read(fd, max(size - len(buffer), 1 << 16))
                    if not chunk:
                        raise EOFError
                    buffer.extend(chunk)
                data = bytes(buffer[:size])
                del buffer[:size]
                return data

            class Stream:
                read = staticmethod(read_exactly)

            return inside.read_message(Stream, max_blob=MAX_REPLY_BYTES)

    def _alive(self):
        """Make sure a loaded worker is running; after a crash, start a fresh one (a few times)."""
        if self._worker is None and self.load_failure is None:
            if self.starts >= MAX_STARTS:
                self.load_failure = (
                    f"your code stopped the grader's process {self.starts} "
                    "times, so the remaining checks were not run"
                )
            else:
                self.start()
        if self.load_failure is not None:
            raise StudentCodeError(f"Not checked: {self.load_failure}.", called=False)

    # ---- calls -----------------------------------------------------------------------------
    def call(self, name, *args, stand_in=None):
        """Call the student's function `name` with copies of `args`; return a CallResult.

        `stand_in`, a pair (function name, knock_on.ReferenceAnswers), replaces the
        student's function of that name, during this call only, with one that asks the
        grader for the result of each input it is given and gets only those the answers
        hold (see inside.StandIn): results, one at a time, never code. The CallResult's
        `stand_in_complete` says whether every result was asked for.

        Raises StudentCodeError when the function is missing, raises, hangs or crashes.
        """
        call_key = (name, stand_in is not None)
        if call_key in self.hangs:
            # A hang costs once: calling it again would only spend the budget again.
            raise StudentCodeError(
                f"{name} was not called again: earlier, {self.hangs[call_key]}. "
                "Is there an infinite loop, or a loop far slower than it needs to be?",
                called=False,
            )
        if call_key in self._barred_crashes():
            # So do crashes: calling it again would most likely end the process again.
            raise StudentCodeError(
                f"{name} was not called again: earlier, {self._barred_crashes()[call_key]}.",
                ended_process=True,
                called=False,
            )
        if self.spent >= self.budget or self.wall_spent >= self.wall_budget:
            raise StudentCodeError(
                f"{name} was not called: your code used up the grading time budget "
                f"({self.budget:g} s of CPU time in total).",
                called=False,
            )
        args = [np.array(a) for a in args]
        request, answers = {"op": "call", "name": name}, None
        if stand_in is not None:
            replaced, table = stand_in
            request["stand_in"] = {"name": replaced}
            answers = StandInAnswers(table)
        started = time.monotonic()
        wall_short = self.wall_budget - self.wall_spent < self.call_timeout * WALL_CLOCK_FACTOR
        try:
            header, blobs = self._send(
                request, [inside.array_to_bytes(a) for a in args], (call_key, args), answers
            )
        except TimedOut as failure:
            self.timeouts[name] = self.timeouts.get(name, 0) + 1
            if failure.limit < self.call_timeout or wall_short:  # the budget's rest ran out
                # Also when the wall-clock backstop stopped it: the budget bounds wall time too.
                self.spent = max(self.spent, self.budget)
                raise StudentCodeError(
                    f"{name} was stopped on {describe_inputs(args)}: your code used up the "
                    f"grading time budget ({self.budget:g} s of CPU time in total)."
                ) from None
            self.hangs[call_key] = (
                f"{name} did not finish within {failure.within} on {describe_inputs(args)}"
            )
            raise StudentCodeError(
                f"{self.hangs[call_key]}, so the grader stopped it; later checks of {name} "
                "fail at once."
            ) from None
        except WorkerFailed as failure:
            barred = self._record_crash(call_key, args, failure.reason)
            again = f" That makes {CRASHES_BEFORE_BAR} times, so {name} is not called again."
            raise StudentCodeError(
                f"Calling {name} stopped the grader's run of your code: {failure.reason}."
                + (again if barred else ""),
                ended_process=True,
            ) from None
        finally:
            # A call that hangs or crashes is the student's time too, not the grader's.
            self.call_seconds += time.monotonic() - started
        seconds = time.monotonic() - started
        self._raise_for_error(name, header, args)
        description = header.get("value") if isinstance(header.get("value"), dict) else {}
        expected_blobs = int(bool(description.get("array"))) + len(args)
        if header.get("args_after") != len(args) or len(blobs) != expected_blobs:
            self._kill()
            self._record_crash(call_key, args, "your code wrote into the grader's channel")
            raise StudentCodeError(
                f"Calling {name} gave a malformed reply: your code wrote into the grader's "
                "channel.",
                ended_process=True,
            )
        value = _decode_value(description, blobs)
        try:
            after = [inside.array_from_bytes(b) for b in blobs[len(blobs) - len(args) :]]
        except ValueError:
            raise StudentCodeError(f"Calling {name} gave a reply the grader cannot read.") from None
        return CallResult(
            value=value,
            args_after=after,
            seconds=seconds,
            stand_in_complete=answers.complete if answers is not None else None,
            returned_an_argument=header.get("returned_an_argument") is True,
        )

    def get(self, name):
        """The value of the student's global `name`, as a Returned."""
        try:
            # Reading runs student code too (a value's __array__), but it is no call to bar.
            header, blobs = self._send({"op": "get", "name": name})
        except WorkerFailed as failure:
            self.crashes.append(f"reading {name}: {failure.reason}")
            raise StudentCodeError(f"Reading {name} failed: {failure.reason}.") from None
        self._raise_for_error(name, header)
        value = header.get("value")
        return _decode_value(value if isinstance(value, dict) else {}, blobs)

    def _raise_for_error(self, name, header, args=()):
        """Raise StudentCodeError for a reply that is an error; `args`, the call's arguments,
        name which arrays an error's shapes and sizes are (an image and a kernel)."""
        if header.get("ok"):
            return
        if header.get("missing"):
            raise StudentCodeError(
                f"{name} is not defined. Did the cell that defines it run "
                f"without errors?{self._load_error_hint()}"
            )
        error = header.get("error")
        error = error if isinstance(error, dict) else {}
        if error.get("type") == "NotImplementedError":
            where = describe_error(error, self.cells).removeprefix("NotImplementedError")
            cell = error_cell(error.get("where", ""), self.cells)
            if cell and f"def {name}(" not in str(cell.get("source", "")):
                # convolve_color on an unwritten convolve: the stub is convolve's, not its own.
                raise StudentCodeError(
                    f"{name} calls code that is not written yet: NotImplementedError{where}."
                )
            raise StudentCodeError(
                f"{name} is not written yet: it raises NotImplementedError{where}."
            )
        barred = self._bar_raised(error)
        if barred is not None:
            reason, function = barred
            where = error_location(error.get("where", ""), self.cells)
            stops = {"hung": self.hangs, "crashed": self._barred_crashes()}[reason]
            earlier = stops[(function, False)]
            raise StudentCodeError(
                f"{name} raised {error['type']}: {inside.bar_message(reason, function)}"
                f"{where}. Earlier, {earlier}.",
                ended_process=reason == "crashed",
            )
        # Only bounded, vetted parts of the report: student code saw the hidden inputs.
        message = f"{name} raised {describe_error(error, self.cells)}"
        if error.get("type") in FORBIDDEN_ERRORS:
            self.forbidden_calls.append(clean_text(message, 200))
            raise StudentCodeError(message, misconception=Mistake.LIBRARY_ROUTINE)
        # Shapes name convolve's slicing and loop mistakes, so only for an error raised in
        # convolve's own cell: colour code's own errors (a loop over the wrong axis) are not
        # convolve's, even though the shapes would fit one of its mistakes.
        cell = error_cell(error.get("where", ""), self.cells)
        in_convolve = cell is not None and "def convolve(" in str(cell.get("source", ""))
        image, kernel = (
            (a.shape for a in args[:2]) if in_convolve and len(args) >= 2 else (None,) * 2
        )
        mistakes = diagnose_exception_all(
            str(error.get("type")), str(error.get("message")), image, kernel
        )
        raise StudentCodeError(message, misconception=next(iter(mistakes), None), also=mistakes[1:])

    def _bar_raised(self, error):
        """(reason, function) of the inside.BarredFunction that raised `error`, or None.

        Recognised by the exact type and text for a function the grader itself barred for
        that reason (it hung, or its calls ended the process), so the name shown is the
        grader's: student code raising that text says only what the grader would say, and
        any other text falls through to describe_error's vetting.
        """
        for reason, stops in (("hung", self.hangs), ("crashed", self._barred_crashes())):
            if error.get("type") != inside.BAR_REASONS[reason][0].__name__:
                continue
            for function in _plain_calls(stops):
                if inside.bar_message(reason, function) == error.get("message"):
                    return reason, function
        return None

    def _send(self, request, blobs=(), call=None, stand_in=None):
        """Send a call or get request; its reply (header, blobs). `call` is the (call key,
        args) of a call, limited by what is left of the budget too; None for a get.
        `stand_in` (StandInAnswers) answers the call's stand-in, if it has one.

        A worker that ends during a request it is not the first to serve may have been ended
        by what an earlier call left behind (a timer, a thread, a reply it forged), so the
        request runs again, first in a fresh worker. Only if it ends that one too does the
        WorkerFailed reach the caller, which blames this request; if not, the call before
        it is blamed. Timeouts are never run again (TimedOut reaches the caller at once).
        """
        suspect = None
        while True:
            self._alive()
            served, earlier = self._served, self._last_call
            try:
                timeout = self.call_timeout
                if call is not None:
                    timeout = min(timeout, self.budget - self.spent)
                reply = self._request(request, blobs, timeout=timeout, stand_in=stand_in)
            except TimedOut:
                raise
            except WorkerFailed:
                if not served or suspect is not None:
                    raise
                suspect = (earlier, "something it left behind ended the process later")
                continue
            if suspect is not None:
                if suspect[0] is None:  # after a get, or the cells' own load
                    self.crashes.append("the process running your code ended between calls")
                else:
                    self._record_crash(*suspect[0], suspect[1])
            self._served, self._last_call = True, call
            return reply

    def _record_crash(self, call_key, args, reason):
        """Note that the call `call_key` on `args` ended the worker; whether it is now barred."""
        name = call_key[0]
        self.crashes.append(f"{name}: {reason}")
        ends = self.crashed_calls.setdefault(call_key, [])
        ends.append(f"on {describe_inputs(args)} ({reason})")
        return len(ends) >= CRASHES_BEFORE_BAR

    def _barred_crashes(self):
        """{call key: what happened} for the calls whose crashes bar them."""
        return {
            key: f"calling {key[0]} stopped the grader's run of your code {len(ends)} times, "
            f"last {ends[-1]}"
            for key, ends in self.crashed_calls.items()
            if len(ends) >= CRASHES_BEFORE_BAR
        }

    def _load_error_hint(self):
        if not self.load_errors:
            return ""
        first = self.load_errors[0]
        message = f": {first['message']}" if first["message"] else ""
        return (
            f" While loading your code, {first['cell']} raised "
            f"{first['type']}{message}{first['where']}."
        )


class _WorkerProcess:
    """A sandboxed inside.py, spawned but given no student code yet."""

    def __init__(self, sandbox, preload, policy):
        self._host_folder = PrivateFolder("worker")  # removed even if this process is killed
        self.host_dir = self._host_folder.path
        self.input_dir = self.host_dir / "input"  # filled with the notebook's files later
        self.input_dir.mkdir()
        self.student_code_ran = False  # from then on, what it prints is the student's
        script = Path(inside.__file__)
        env = sandbox.base_env()
        env["MPLBACKEND"] = "Agg"  # the worker draws nothing anyone sees
        env["CONVGRADE_PRELOAD"] = " ".join(preload)
        env[inside.POLICY_VARIABLE] = policy.to_json()
        env["CONVGRADE_INPUT"] = str(SANDBOX_DIR / "input")
        command = [sys.executable, "-I", str(SANDBOX_DIR / "inside.py")]
        inputs = [(script, SANDBOX_DIR / "inside.py"), (self.input_dir, SANDBOX_DIR / "input")]
        cwd = None
        filter_fd = None
        if sandbox.is_sandboxed:
            filter_fd = sandbox.syscall_filter_fd()
            command = (
                sandbox.bwrap_args(
                    SANDBOX_DIR / "work",
                    inputs=inputs,
                    env=env,
                    seccomp_fd=filter_fd,
                    hidden_packages=policy.hidden_packages,
                    ctypes_shown=False,
                    proc_shown=False,
                )
                + command
            )
        else:
            # The weaker mode: same worker, no walls. The instructor chose this explicitly.
            cwd = self.host_dir / "work"
            cwd.mkdir()
            command[-1] = str(script)
            env.update(
                HOME=str(cwd),
                MPLCONFIGDIR=str(cwd / ".matplotlib"),
                CONVGRADE_INPUT=str(self.input_dir),
            )
        kwargs, self.cgroup = sandbox.popen_kwargs()
        self.stderr = open(self.host_dir / "stderr", "w+b")
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                cwd=cwd,
                env=env,
                pass_fds=() if filter_fd is None else (filter_fd,),
                **kwargs,
            )
        finally:
            if filter_fd is not None:  # bwrap has it now
                os.close(filter_fd)
        self.cpu_clock = CpuClock(self.process.pid)
        # The reading up to which a StudentProcess has counted this sandbox's CPU time.
        self.counted_cpu_seconds = 0.0

    def alive(self):
        return self.process.poll() is None

    def startup_error(self):
        """The last line the worker printed before it could talk (an import error, say)."""
        try:
            self.stderr.seek(0)
            text = self.stderr.read(4000).decode(errors="replace").strip()
        except (OSError, ValueError):
            text = ""
        return text.splitlines()[-1] if text else ""

    def student_cpu_seconds(self):
        """CPU time of every process in the sandbox (see CpuClock)."""
        return self.cpu_clock.seconds()

    def cpu_seconds(self):
        """CPU time used so far by the worker and everything it started."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            processes = [root] + root.children(recursive=True)
        except psutil.Error:
            return 0.0
        total = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def kill(self):
        # The last readings, for the request that ends with this.
        self.student_cpu_seconds()
        self.cpu_clock.waiting_seconds()
        end_sandbox(self.process, self.cgroup)
        self.stderr.close()
        self._host_folder.close()


class WorkerPool:
    """One spare worker per process, spawned ahead so its start-up overlaps other work;
    none when the process is told no more work follows (`wanted` False, see KernelPool)."""

    _spare = None  # (key, _WorkerProcess)
    wanted = True

    @classmethod
    def take(cls, sandbox, preload, policy):
        key = (
            repr(sorted(sandbox.trait_values().items(), key=str)),
            str(sandbox.course_root),
            tuple(preload),
            policy,
        )
        spare, cls._spare = cls._spare, None
        if spare is not None and (spare[0] != key or not spare[1].alive()):
            spare[1].kill()
            spare = None
        taken = spare[1] if spare else _WorkerProcess(sandbox, preload, policy)
        if cls.wanted:
            cls._spare = (key, _WorkerProcess(sandbox, preload, policy))
        return taken

    @classmethod
    def discard(cls):
        spare, cls._spare = cls._spare, None
        if spare is not None:
            spare[1].kill()


atexit.register(WorkerPool.discard)


def _decode_value(description, blobs):
    """Rebuild a Returned from the worker's description, trusting nothing in it."""
    type_name = safe_type_name(description.get("type", "?"))
    if not description.get("array") or not blobs:
        # No repr: its text is the student's choice, and they have seen the hidden inputs.
        return Returned(type_name=type_name)
    try:
        array = inside.array_from_bytes(blobs[0])
    except ValueError:
        return Returned(type_name=type_name, text="unreadable array data")
    if array.dtype.kind not in "biuf" or array.ndim > 4:
        return Returned(type_name=type_name, text=f"array of dtype {array.dtype.name}")
    return Returned(type_name=type_name, array=array)


def _plain_calls(stops):
    """The functions in `stops` ({(function, with a stand-in or not): what happened}) that
    were stopped when called plainly, as the student's code calls them."""
    return sorted(name for name, with_stand_in in stops if not with_stand_in)


def describe_inputs(args):
    """The inputs of a call by shape and kind only, never their values.

    Examples
    --------
    >>> import numpy as np
    >>> describe_inputs([np.zeros((48, 36)), np.ones((3, 3))])
    'a 48×36 image with a 3×3 kernel'
    >>> describe_inputs([np.zeros((20, 30, 3)), np.ones((5, 5))])
    'a 20×30 colour image with a 5×5 kernel'
    """
    if not args:
        return "no input"

    def size(array):
        return "×".join(str(n) if n <= 99_999 else "more than 99999" for n in np.shape(array))

    first = args[0]
    if np.ndim(first) == 2:
        text = f"a {size(first)} image"
    elif np.ndim(first) == 3:
        text = f"a {size(first[..., 0])} colour image"
    elif np.ndim(first) <= 1:
        text = f"an array of {np.size(first)} values"
    else:
        text = f"a {size(first)} array"
    if len(args) > 1 and np.ndim(args[1]) == 2:
        text += f" with a {size(args[1])} kernel"
    return text


def _describe_exit(code, detail):
    if code is None:
        return "the process running it stopped answering"
    if code < 0:
        name = signal.Signals(-code).name
        reason = {
            "SIGKILL": "it was killed (out of memory or CPU time?)",
            "SIGSEGV": "it crashed with a segmentation fault",
            "SIGXCPU": "it used up its CPU time",
            "SIGXFSZ": "it wrote a file larger than allowed",
        }.get(name, f"it died with {name}")
        return reason
    if code == 137:
        return "it was killed (out of memory or CPU time?)"
    message = f"the process running it exited with code {code}"
    return message + (f" ({detail})" if detail else "")
