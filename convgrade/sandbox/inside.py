"""Runs a student's code and calls its functions on request; the only process that does.

This file is bound read-only into the sandbox and runs there on its own, so it imports
nothing but the standard library and numpy. The grader imports its message framing too, so that
both sides share one definition of the wire format. The forbidden-library policy arrives as
data, like the preload list: convgrade.contract.ForbiddenPolicy as JSON in CONVGRADE_POLICY.

Wire format, in both directions: an 8-byte big-endian header length, a JSON header, then
the binary blobs the header lists in "blobs" (sizes in bytes). Arrays travel as .npy bytes,
never as pickles, so nothing the student controls is ever unpickled by the grader.
"""

import ast
import importlib.abc
import importlib.util
import io
import json
import keyword
import linecache
import math
import os
import re
import struct
import sys
import traceback
import types
from functools import lru_cache

HEADER_LENGTH = struct.Struct(">Q")
# The header np.save writes for a plain C-ordered array (.npy format 1.0), e.g.
# "{'descr': '<f8', 'fortran_order': False, 'shape': (48, 36), }" padded with spaces.
NPY_MAGIC = b"\x93NUMPY\x01\x00"
NPY_PLAIN_HEADER = re.compile(
    rb"\{'descr': '([<>|][biufc]\d{1,2})', 'fortran_order': False, "
    rb"'shape': \((|\d+,|\d+(?:, \d+)+)\), \} *\n"
)

# Where the grader puts the policy (ForbiddenPolicy.to_json()); without it the worker refuses
# to start, so a policy that failed to arrive never means "nothing is forbidden".
POLICY_VARIABLE = "CONVGRADE_POLICY"
# Modules that run Python outside this interpreter's blocks, or reach into it from C: new
# interpreters in this process, and CPython's test modules (prefixes of the top name).
BARRED_MODULE_PREFIXES = (
    "_xxsubinterpreters",
    "_xxinterpchannels",
    "_interpreters",
    "_interpchannels",
    "_interpqueues",
    "_test",
    "_xxtestfuzz",
    "xxlimited",
    "xxsubtype",
)
# Audit events that start another program (`refuse_new_programs` replaces the one route
# that raises none).
NEW_PROGRAM_EVENTS = ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system")
# Statements worth running from cells that are not the student's answers: the names
# they define may be used by the answers; everything else is plots and demos. From the
# instructor's locked cells, only imports and definitions (their data is for the lesson).
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
DEFINING_STATEMENTS = DEFINITIONS + (ast.Assign, ast.AnnAssign)
# Plotting and image libraries the lesson imports but answers rarely use: loaded on first
# use, so a grading run that never draws never pays for them.
LAZY_MODULES = ("matplotlib", "imageio", "figures", "selfcheck", "PIL")


def encode_message(header, blobs=()):
    """One message as bytes: a JSON-able dict and a list of bytes objects."""
    header = dict(header, blobs=[len(blob) for blob in blobs])
    encoded = json.dumps(header).encode()
    return b"".join([HEADER_LENGTH.pack(len(encoded)), encoded, *blobs])


def write_message(stream, header, blobs=()):
    """Send one message (`encode_message`) and flush it."""
    stream.write(encode_message(header, blobs))
    stream.flush()


def read_exactly(stream, size):
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        data += chunk
    return bytes(data)


def read_message(stream, max_header=1 << 20, max_blob=1 << 28):
    """Receive one message; refuse sizes over the limits instead of trusting them."""
    (size,) = HEADER_LENGTH.unpack(read_exactly(stream, HEADER_LENGTH.size))
    if size > max_header:
        raise ValueError(f"message header of {size} bytes is over the limit")
    header = json.loads(read_exactly(stream, size))
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or any(not isinstance(s, int) or s < 0 for s in sizes):
        raise ValueError("malformed blob list")
    if sum(sizes) > max_blob:
        raise ValueError(f"message payload of {sum(sizes)} bytes is over the limit")
    return header, [read_exactly(stream, s) for s in sizes]


def array_to_bytes(array):
    import numpy as np

    buffer = io.BytesIO()
    array = np.asarray(array)
    # ascontiguousarray makes a 0-d array 1-d: a result of shape () was reported as (1,).
    contiguous = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    np.save(buffer, contiguous, allow_pickle=False)
    return buffer.getvalue()


def array_from_bytes(blob):
    """The array in .npy bytes, never unpickled; writable, like np.load's.

    np.load reads the header, a Python dict literal, with ast.literal_eval: a quarter of a
    millisecond, and about 170 arrays come back from one submission's checks. Headers exactly
    as np.save writes them for plain numbers are read here with a strict pattern; any other
    header goes to numpy's own header reader. Either way the bytes must hold exactly the
    array the header describes before anything is allocated, and whatever else is wrong
    (student code writes these bytes: a shape of 10**30, a header nested 200 deep, a zip)
    is one ValueError, never MemoryError or OverflowError in the grader (red team).
    """
    import numpy as np

    header_end = 10 + int.from_bytes(blob[8:10], "little")
    plain = blob[:8] == NPY_MAGIC and NPY_PLAIN_HEADER.fullmatch(blob[10:header_end])
    if plain:
        try:
            dtype = np.dtype(plain[1].decode())
            shape = tuple(int(size) for size in plain[2].split(b",") if size.strip())
            if len(blob) - header_end == math.prod(shape) * dtype.itemsize:
                return np.frombuffer(bytearray(blob[header_end:]), dtype).reshape(shape)
        except (TypeError, ValueError):  # "<i3", a shape too large: read below
            pass
    try:
        return _read_npy(blob)
    except Exception as error:  # any malformed header is the same refusal
        raise ValueError("not an array as np.save writes one") from error


def _read_npy(blob):
    """The array in `blob` (.npy, format 1.0 or 2.0), read with numpy's header reader."""
    import numpy as np

    stream = io.BytesIO(blob)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError("an .npy version np.save does not write")
    if dtype.hasobject or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError("objects or a malformed shape")
    data = blob[stream.tell() :]
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise ValueError("the data is not the size the header says")
    order = "F" if fortran_order else "C"
    return np.frombuffer(bytearray(data), dtype).reshape(shape, order=order)


class LazyImport(importlib.abc.MetaPathFinder):
    """Load LAZY_MODULES with importlib's LazyLoader: executed when first touched."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in LAZY_MODULES or _imported_by_a_lazy_module():
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None


def _imported_by_a_lazy_module():
    """Is the module importing now one of LAZY_MODULES' own (matplotlib importing its
    parts)? Those load at once: matplotlib's modules fill in each other's docstrings as
    they load, and a part left lazy breaks the part that needs it."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(("importlib", "_frozen_importlib")):
            return name.split(".")[0] in LAZY_MODULES
        frame = frame.f_back
    return False


class ForbiddenRoutineError(RuntimeError):
    """A forbidden numpy routine was called."""


class ForbiddenImportError(ImportError):
    """A forbidden library was imported."""


class ForbiddenProgramError(PermissionError):
    """Student code tried to start another program. A PermissionError, as the system would
    raise, so that libraries which try a program and cope without it (matplotlib runs
    fc-list) go on as they would on a machine that refuses it."""


class BlockedImport(importlib.abc.MetaPathFinder):
    """Refuse to import the library routines the assignment forbids, with a clear reason.

    Also refuses to import again a numpy module that was loaded when the routines were
    blocked: it is only missing from sys.modules if someone removed it for a fresh copy.
    """

    def __init__(self, policy, loaded=()):
        self.policy = policy
        self.loaded = frozenset(loaded)

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.loaded:
            raise ForbiddenImportError(f"importing {fullname} a second time is not allowed")
        if _forbids_module(self.policy, fullname):
            raise ForbiddenImportError(self.policy["message"].format(fullname))
        return None


def read_policy(text):
    """The policy sent by the grader: {"modules": [...], "numpy_names": [...], "message": str}."""
    policy = json.loads(text)
    if not (
        isinstance(policy, dict)
        and all(isinstance(policy.get(k), list) for k in ("modules", "numpy_names"))
        and all(isinstance(n, str) for n in policy["modules"] + policy["numpy_names"])
        and isinstance(policy.get("message"), str)
    ):
        raise ValueError(f"malformed {POLICY_VARIABLE}")
    return policy


def _forbids_module(policy, name):
    return any(name == m or name.startswith(m + ".") for m in policy["modules"])


def _blocked_function(name, message):
    def blocked(*args, **kwargs):
        raise ForbiddenRoutineError(message.format(f"np.{name}"))

    blocked.__name__ = blocked.__qualname__ = name
    return blocked


def block_forbidden_routines(policy):
    """Block the policy's libraries' imports, and numpy's routines under every name.

    numpy's convolve and correlate are reachable under many aliases (np.convolve,
    np._core.numeric.convolve, np._core.multiarray.correlate, umath.correlate2, ...).
    Every module attribute that is one of those objects is replaced, so that no route
    to the original is left in any loaded module; numpy's own Python implementations
    look the C routines up in their module at each call, so they are blocked too.
    """
    for name in list(sys.modules):
        if _forbids_module(policy, name):
            del sys.modules[name]
    import numpy as np

    originals = {}
    for owner in (np, np._core.numeric, np._core.multiarray, np._core._multiarray_umath):
        for name in policy["numpy_names"]:
            routine = getattr(owner, name, None)
            if routine is None:
                continue
            blocked = _blocked_function(name, policy["message"])
            for obj in (routine, getattr(routine, "_implementation", None)):
                if obj is not None:
                    originals.setdefault(id(obj), (obj, blocked))
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for key, value in list(namespace.items()):
            found = originals.get(id(value))
            if found is not None and found[0] is value:
                namespace[key] = found[1]
    loaded = [n for n in sys.modules if n == "numpy" or n.startswith("numpy.")]
    sys.meta_path.insert(0, BlockedImport(policy, loaded))


def refuse_new_programs(message):
    """Replace the one route to a new program that raises no audit event.

    subprocess, multiprocessing and the like start programs through
    _posixsubprocess.fork_exec, which CPython does not audit (os.exec*, os.posix_spawn,
    os.system and subprocess.Popen are, and `guard_native_code` refuses those). A new
    interpreter would hold numpy's routines without this process's block. Loaded here, so
    that the guard refuses a second copy of the module too.
    """
    import _posixsubprocess

    def fork_exec(*args, **kwargs):
        raise ForbiddenProgramError(message.format("starting another program"))

    _posixsubprocess.fork_exec = fork_exec


GUARD_SOURCE = """
def native_code_guard(event, args, _str=str, _type=type, _startswith=str.startswith,
                      _rpartition=str.rpartition, _isidentifier=str.isidentifier,
                      _isascii=str.isascii, _stat=STAT, _refused=REFUSED,
                      _refused_import=REFUSED_IMPORT, _refused_program=REFUSED_PROGRAM,
                      _message=MESSAGE, _self=None):
    if event == "object.__setattr__" and args[0] is _self:
        raise _refused(_message.format("changing the native code guard"))
    if _startswith(event, "ctypes."):
        raise _refused(_message.format("ctypes"))
    if _startswith(event, NEW_PROGRAM_EVENTS):
        raise _refused_program(_message.format("starting another program"))
    if event != "import":
        return
    name = args[0]
    if _type(name) is not _str:
        raise _refused_import(_message.format("importing a module by a name that is not text"))
    if _startswith(name, "_ctypes"):
        raise _refused_import(_message.format("ctypes"))
    if _startswith(name, BARRED_MODULE_PREFIXES):
        raise _refused_import(_message.format("a new interpreter or a test module of python"))
    if name in FORBIDDEN_MODULES or _startswith(name, FORBIDDEN_PACKAGES):
        raise _refused_import(_message.format("a forbidden library"))
    path = args[1]
    if path is None:
        return
    # An extension module being made from a file. CPython finds its PyInit_ function from
    # the last part of the name, rewriting some characters, so the file decides, not the
    # name: a file already loaded gives fresh copies of everything it made the first time.
    last = _rpartition(name, ".")[2]
    if not (_isidentifier(last) and _isascii(last)) or last in LOADED_EXTENSIONS:
        raise _refused_import(_message.format("a second copy of a loaded extension module"))
    if (_type(path) is not _str or not _startswith(path, LIBRARY_FOLDERS)
            or "/../" in path or "/./" in path or "//" in path or "\\0" in path):
        raise _refused_import(_message.format("native code from outside the library folders"))
    try:
        found = _stat(path)
    except BaseException:
        return  # no such file: the import fails on its own
    if (found.st_dev, found.st_ino) in LOADED_FILES:
        raise _refused_import(_message.format("a second copy of a loaded extension module"))
"""


def guard_native_code(policy):
    """Refuse, for the rest of this process, what reaches numpy's routines around the block.

    A Python audit hook, which cannot be removed once added. It refuses:
    - a second instance of an extension module already loaded, recognised by its file
      (CPython rewrites the name when it looks for PyInit_): numpy's C core made again
      from its file (importlib's module_from_spec) holds fresh routines;
    - extension modules from anywhere but the library folders (a renamed copy in /tmp);
    - the policy's forbidden modules, by any import (the meta-path blocker can be removed);
    - new interpreters in this process (_xxsubinterpreters) and CPython's test modules;
    - new programs (subprocess, os.exec*, os.posix_spawn, os.system): a fresh interpreter
      has numpy without the block (`refuse_new_programs` takes the unaudited route);
    - ctypes, which calls C functions by address. The sandbox of this process hides ctypes
      already (bwrap.CTYPES_STUB); this covers the unsafe mode and `import _ctypes`.
    All it needs are constants of its own code and default arguments; a change to the
    guard itself (its code, its defaults) is refused, and deleting its defaults makes
    every audited action fail, so it cannot be talked out of its answer.

    It does not stop code that corrupts memory: numpy makes an array of any address it is
    given (``__array_interface__``), and crafted bytecode reads and writes memory. Refusing
    code objects made from parts would not close that, and refused honest imports (asyncio
    builds coroutines with code.replace); SECURITY.md names the limit.
    """
    import importlib.machinery
    import sysconfig

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    files = {
        name: str(getattr(module, "__file__", None) or "")
        for name, module in list(sys.modules.items())
    }
    files = {name: path for name, path in files.items() if path.endswith(suffixes)}
    loaded = sorted({name.rpartition(".")[2] for name in files})
    identities = set()
    for path in files.values():
        found = os.stat(path)
        identities.add((found.st_dev, found.st_ino))
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")} | {"/usr"}
    constants = {
        "NEW_PROGRAM_EVENTS": NEW_PROGRAM_EVENTS,
        "BARRED_MODULE_PREFIXES": BARRED_MODULE_PREFIXES,
        "LOADED_EXTENSIONS": tuple(loaded),
        "LOADED_FILES": frozenset(identities),
        "LIBRARY_FOLDERS": tuple(sorted(os.path.join(f, "") for f in folders)),
        "FORBIDDEN_MODULES": tuple(policy["modules"]),
        "FORBIDDEN_PACKAGES": tuple(f"{module}." for module in policy["modules"]),
        "MESSAGE": policy["message"],
    }
    source = GUARD_SOURCE
    for name, value in constants.items():
        source = source.replace(name, repr(value))
    namespace = {
        "REFUSED": ForbiddenRoutineError,
        "REFUSED_IMPORT": ForbiddenImportError,
        "REFUSED_PROGRAM": ForbiddenProgramError,
        "STAT": os.stat,
    }
    exec(compile(source, "<native code guard>", "exec"), namespace)
    guard = namespace["native_code_guard"]
    guard.__defaults__ = (*guard.__defaults__[:-1], guard)  # _self: refuse changes to it
    sys.addaudithook(guard)


STUDENT_FILES = set()


def describe_exception(error):
    """One line naming the exception and the line of student code it came from."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in STUDENT_FILES]
    where = ""
    if frames:
        frame = frames[-1]
        where = f" ({frame.filename.strip('<>')}, line {frame.lineno}"
        where += f": {frame.line.strip()})" if frame.line else ")"
    message = str(error)
    if len(message) > 300:
        message = message[:300] + "..."
    return {"type": type(error).__name__, "message": message, "where": where}


class StandIn:
    """A student function replaced by the grader's answers for one check's inputs only.

    It holds neither the reference code nor its results: each call sends its image and
    kernel to the grader (`GraderAnswers`), which answers only this check's own inputs (a
    colour check's channels, with the kernel), also when the code passed them in another
    form that determines the answer (transposed or flipped together, scaled, offset,
    converted to float32: see convgrade.checks.knock_on.ReferenceAnswers), refuses any
    other, and notes which it was asked. So an answer reaches this process only for an input
    the student's code passed itself, and the grader can tell whether the code asked for
    every channel. Retired when the call ends, it answers nothing more.

    It takes the arguments the student's own function takes (`signature`): the image and
    the kernel are its first two, passed by position or by the student's own names; any
    further ones (an optional dtype) are ignored.
    """

    def __init__(self, name, ask, signature=None):
        self.__name__ = self.__qualname__ = name
        self._ask = ask
        self._signature = signature

    def __call__(self, *args, **kwargs):
        if self._ask is None:
            raise LookupError(f"the grader's {self.__name__} was used after its check ended")
        import numpy as np

        try:
            image, kernel = (
                np.asarray(a, dtype=np.float64) for a in self._image_and_kernel(args, kwargs)
            )
        except (TypeError, ValueError):
            image = kernel = None
        answer = None
        if image is not None and image.ndim == 2 and kernel.ndim == 2:
            answer = self._ask(image, kernel)
        if answer is None:
            raise LookupError(
                f"the grader's {self.__name__} answers only image[:, :, c] with the kernel as given"
            )
        return answer

    def _image_and_kernel(self, args, kwargs):
        """The call's first two arguments in the order of the student's parameters."""
        import inspect

        if self._signature is not None:
            try:
                bound = self._signature.bind(*args, **kwargs)
            except TypeError:
                bound = None
            if bound is not None:
                values = []
                for name, parameter in self._signature.parameters.items():
                    if name not in bound.arguments:
                        continue
                    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
                        values.extend(bound.arguments[name])
                    elif parameter.kind is not inspect.Parameter.VAR_KEYWORD:
                        values.append(bound.arguments[name])
                if len(values) >= 2:
                    return values[0], values[1]
        if len(args) >= 2:
            return args[0], args[1]
        if "image" in kwargs and "kernel" in kwargs:
            return kwargs["image"], kwargs["kernel"]
        raise TypeError("no image and kernel")

    def retire(self):
        self._ask.close()
        self._ask = None


class GraderAnswers:
    """A stand-in's line to the grader while one call lasts: sends an image and a kernel
    (float64 arrays) over the reply pipe and reads the grader's answer (an array, or a
    refusal) from the request pipe. The grader answers only while that call's request is
    open; closed, this asks nothing (student code that kept it and reopens it only breaks
    the protocol, and the grader ends the process)."""

    def __init__(self, requests, replies, request_id):
        self.requests, self.replies, self.request_id = requests, replies, request_id
        self.closed = False

    def __call__(self, image, kernel):
        if self.closed:
            return None
        blobs = [array_to_bytes(image), array_to_bytes(kernel)]
        write_message(self.replies, {"op": "ask", "id": self.request_id}, blobs)
        header, blobs = read_message(self.requests)
        if header.get("ok") and len(blobs) == 1:
            return array_from_bytes(blobs[0])
        return None

    def close(self):
        self.closed = True


# Why the grader bars a student function from running again: the error a BarredFunction
# raises in its place, and the error's fixed text, so that the grader can recognise it exactly.
BAR_REASONS = {
    "hung": (TimeoutError, "{name} did not finish earlier in grading, so it was not run again"),
    "crashed": (
        RuntimeError,
        "{name} stopped the grader's process earlier in grading, so it was not run again",
    ),
}


def bar_message(reason, name):
    """What a BarredFunction barred for `reason` ("hung" or "crashed") raises."""
    return BAR_REASONS[reason][1].format(name=name)


class BarredFunction:
    """A student function that an earlier check stopped at its time limit ("hung"), or whose
    calls ended the grader's process ("crashed"), in its place.

    Student code that calls it from another function (convolve_color calling convolve) fails
    at once instead of spending the time limit again or ending the process again. The
    grader shows the message only if it names a function the grader itself barred for that
    reason (StudentProcess.hangs, or crashes in StudentProcess.crashed_calls), so student code
    raising the same text learns nothing and can say nothing through it.
    """

    def __init__(self, name, reason):
        self.__name__ = self.__qualname__ = name
        self.reason = reason

    def __call__(self, *args, **kwargs):
        error, _ = BAR_REASONS[self.reason]
        raise error(bar_message(self.reason, self.__name__))


@lru_cache(maxsize=64)
def _grader_code(name, body, free_count):
    """A code object named `name` that runs `body` with *args and **kwargs, and has
    `free_count` free variables it never reads.

    Python gives a function a new __code__ only with as many free variables as its closure
    holds. With such a code, every reference to the student's function object changes its
    behaviour at once, wherever the student keeps it: a default argument, a closure, a dict
    or list of functions, functools.partial, a class attribute. Replacing the names in the
    student's globals reaches none of those.
    """
    # The body's global names must not be these, or they would be local to _outer.
    free = [f"_free_{i}_{name}" for i in range(free_count)]
    source = "def _outer():\n" + "".join(f"    {variable} = None\n" for variable in free)
    source += f"    def _stub_{name}(*args, **kwargs):\n        {body}\n"
    if free:  # never run (it follows the body's raise or return); it makes them free
        source += f"        lambda: ({', '.join(free)},)\n"
    source += f"    return _stub_{name}\n"
    namespace = {}
    exec(compile(source, "<grader>", "exec"), namespace)
    code = namespace["_outer"]().__code__
    return code.replace(co_name=name, co_qualname=name)


def _replaceable(function, name, namespace):
    """Whether `function`'s code may be swapped for grader code that names it `name`: a
    function the student's cells defined (a library's would change for the grader too),
    under a name grader code can look up as a global."""
    usable = name.isidentifier() and not keyword.iskeyword(name) and name not in ("args", "kwargs")
    return usable and isinstance(function, types.FunctionType) and function.__globals__ is namespace


def _working_copy(function):
    """A new function object with `function`'s code, globals, defaults and closure: the
    student's function as written, after the original object's code has been swapped."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__dict__.update(function.__dict__)
    return copy


class StudentCode:
    """The student's namespace, built from their cells, and calls into it."""

    def __init__(self):
        self.namespace = {"__name__": "__main__"}
        # Barred functions as the student wrote them, for the grader's own calls of them.
        self.as_written = {}
        # The student's function objects whose code `bar` swapped, by name.
        self.barred = {}

    def load(self, cells):
        """Run each cell's statements one by one, so one failing line does not hide the rest.

        A cell marked ``skip_top_level_work`` (the notebook run stopped it for time) loads
        its imports, functions, classes and assignments, as a cell the student added does,
        but none of its other top-level code (loops, calls): running that again would most
        likely hang again, costing the time limit twice and leaving every check at 0. Plain
        nbgrader is close to this: it interrupts the cell and goes on, so what the cell
        defined before the hang exists for the later cells. An assignment that hangs still
        costs the load's limit.
        """
        errors = []
        for cell in cells:
            filename = f"<{cell.get('label') or 'cell ' + str(cell['index'] + 1)}>"
            STUDENT_FILES.add(filename)
            source = cell["source"]
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            try:
                tree = ast.parse(source, filename)
            except SyntaxError as error:
                errors.append(
                    {
                        "cell": filename.strip("<>"),
                        "type": "SyntaxError",
                        "message": f"{error.msg} (line {error.lineno})",
                        "where": "",
                    }
                )
                continue
            if cell.get("locked"):
                wanted = DEFINITIONS
            elif cell["answer"] and not cell.get("skip_top_level_work"):
                wanted = object
            else:
                wanted = DEFINING_STATEMENTS
            for statement in tree.body:
                if not isinstance(statement, wanted):
                    continue
                module = ast.Module(body=[statement], type_ignores=[])
                try:
                    exec(compile(module, filename, "exec"), self.namespace)
                except BaseException as error:  # noqa: B036 - SystemExit and friends included
                    if cell["answer"]:
                        errors.append(dict(describe_exception(error), cell=filename.strip("<>")))
        return {"ok": True, "errors": errors}, []

    def bar(self, names, reason):
        """Make each function in `names` fail at once with a BarredFunction's error for
        `reason` (a key of BAR_REASONS), however student code reaches it.

        A BarredFunction takes the place of the function under every alias (a global bound
        to the same object, as call_with_stand_in finds them). A function the cells defined
        also gets code that raises that error, so references the globals do not hold (a
        default argument, a closure, a container) fail too.

        The grader calls a barred function itself only with a stand-in for another one (a
        convolve_color that hung in the student's convolve may finish with the grader's
        results), so `call` still reaches the function as written under its own name.
        """
        names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        originals = {name: self.namespace.get(name) for name in names}
        for name, original in originals.items():
            if not callable(original):
                continue
            raiser = BarredFunction(name, reason)
            if _replaceable(original, name, self.namespace):
                self.as_written[name] = _working_copy(original)
                self.barred[name] = original
                error, _ = BAR_REASONS[reason]
                body = f"raise {error.__name__}({bar_message(reason, name)!r})"
                original.__code__ = _grader_code(name, body, len(original.__code__.co_freevars))
            else:
                self.as_written[name] = original
            for key, value in list(self.namespace.items()):
                if value is original:
                    self.namespace[key] = raiser

    def call(self, name, args):
        function = self.as_written.get(name, self.namespace.get(name))
        if function is None:
            return {"ok": False, "missing": True}, []
        if not callable(function):
            return {
                "ok": False,
                "missing": False,
                "error": {
                    "type": "TypeError",
                    "where": "",
                    "message": f"{name} is a {type(function).__name__}, not a function",
                },
            }, []
        try:
            value = function(*args)
        except BaseException as error:  # noqa: B036
            return {"ok": False, "missing": False, "error": describe_exception(error)}, []
        description, blobs = encode_value(value)
        after = [array_to_bytes(arg) for arg in args]
        header = {"ok": True, "value": description, "args_after": len(after)}
        header["returned_an_argument"] = _shares_an_argument(value, args)
        return header, blobs + after

    def call_with_stand_in(self, name, args, replaced, ask):
        """Call `name` while `replaced` (and every alias of it) is a StandIn asking `ask`
        (a GraderAnswers) for its answers.

        The student's function object itself forwards to the stand-in meanwhile (its code is
        swapped, as `bar` does), so a reference outside the globals reaches the
        stand-in too. The names and the code are restored and the stand-in retired when the
        call ends, however it ends: student code that kept the stand-in cannot use it in a
        later check.
        """
        original = self.namespace.get(replaced)
        names = [replaced] + [
            key
            for key, value in self.namespace.items()
            if original is not None and value is original and key != replaced
        ]
        saved = {key: self.namespace[key] for key in names if key in self.namespace}
        function = self.barred.get(replaced, original)
        forwards = _replaceable(function, replaced, self.namespace)
        saved_code = function.__code__ if forwards else None
        stand_in = StandIn(replaced, ask, _signature(function))
        try:
            for key in names:
                self.namespace[key] = stand_in
            if forwards:  # looks `replaced` up in the globals, where the stand-in now is
                body = f"return {replaced}(*args, **kwargs)"
                function.__code__ = _grader_code(replaced, body, len(saved_code.co_freevars))
            return self.call(name, args)
        finally:
            stand_in.retire()
            if forwards:
                function.__code__ = saved_code
            for key in names:
                if key in saved:
                    self.namespace[key] = saved[key]
                else:
                    self.namespace.pop(key, None)

    def get(self, name):
        if name not in self.namespace:
            return {"ok": False, "missing": True}, []
        description, blobs = encode_value(self.namespace[name])
        return {"ok": True, "value": description}, blobs


def _shares_an_argument(value, args):
    """Whether `value` is an argument, or an array over an argument's memory: a function
    asked for a new array handed back its input (np.asarray of a uint8 array as uint8)."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        return False
    return any(isinstance(arg, np.ndarray) and np.may_share_memory(value, arg) for arg in args)


def _signature(function):
    """The parameters of a student's function, or None if it has none Python can read."""
    import inspect

    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def encode_value(value):
    """Describe any Python object as plain data: a type name and, if possible, an array."""
    import numpy as np

    description = {"type": type(value).__name__, "array": False}
    try:
        if isinstance(value, np.ndarray):
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                array = array.astype(np.float64)
        elif isinstance(value, (list, tuple, int, float, np.generic)):
            array = np.asarray(value, dtype=np.float64)
        else:
            array = None
    except Exception:
        array = None
    if array is None:
        description["repr"] = repr(value)[:200]
        return description, []
    description["array"] = True
    return description, [array_to_bytes(array)]


def serve(requests, replies):
    student = StudentCode()
    while True:
        try:
            header, blobs = read_message(requests)
        except EOFError:
            return
        op = header.get("op")
        if op == "load":
            if header.get("input") and os.environ.get("CONVGRADE_INPUT"):
                import shutil  # the notebook's files were staged after this process started

                shutil.copytree(os.environ["CONVGRADE_INPUT"], ".", dirs_exist_ok=True)
            reply = student.load(header["cells"])
            # After loading: the names to replace are the ones the cells just defined.
            for reason in BAR_REASONS:
                student.bar(header.get(reason), reason)
        elif op == "call":
            arrays = [array_from_bytes(b) for b in blobs]
            stand_in = header.get("stand_in")
            if isinstance(stand_in, dict) and isinstance(stand_in.get("name"), str):
                reply = student.call_with_stand_in(
                    header["name"],
                    arrays,
                    stand_in["name"],
                    GraderAnswers(requests, replies, header.get("id")),
                )
            else:
                reply = student.call(header["name"], arrays)
        elif op == "get":
            reply = student.get(header["name"])
        elif op == "ping":
            reply = ({"ok": True}, [])
        else:
            reply = (
                {
                    "ok": False,
                    "error": {
                        "type": "ProtocolError",
                        "message": f"unknown op {op!r}",
                        "where": "",
                    },
                },
                [],
            )
        reply_header, reply_blobs = reply
        write_message(replies, dict(reply_header, id=header.get("id")), reply_blobs)


def main():
    # Read before stderr goes to /dev/null, so a missing policy is a visible start-up error.
    policy = read_policy(os.environ[POLICY_VARIABLE])
    # Keep private copies of the pipes, then point fds 0-2 at /dev/null: student prints
    # go nowhere and cannot corrupt the replies.
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.environ.setdefault("MPLBACKEND", "Agg")
    for module in os.environ.get("CONVGRADE_PRELOAD", "").split():
        __import__(module)
    block_forbidden_routines(policy)
    refuse_new_programs(policy["message"])
    guard_native_code(policy)
    sys.meta_path.insert(0, LazyImport())
    serve(requests, replies)


if __name__ == "__main__":
    main()
