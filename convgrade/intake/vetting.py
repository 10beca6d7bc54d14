"""Vet a submission folder before any grader reads it: regular files and folders, bounded.

A submission folder is the student's: any entry in it may be a symbolic link (to the
gradebook, the hidden checks, another student's notebook, /dev/zero), a FIFO that blocks
whoever opens it, a socket, a device, a huge file or a million tiny ones. Both grading
paths read a submission only through `vet_submission`: it walks the folder with
directory file descriptors, never follows a link (``lstat`` first, then ``O_NOFOLLOW``),
opens files non-blocking and checks the opened descriptor again (``fstat``: still a
regular file, still within the size limit), so swapping an entry mid-walk gains nothing.
Whatever it refuses is named, with its relative path and the reason, in the notebook's
``metadata["convgrade"]["refused"]`` record; a refused notebook is replaced by a stand-in
that scores zero and says why.

- `convgrade grade` builds each `Job` from `vet_submission` (convgrade/batch.py).
- `nbgrader autograde` and the formgrader's autograde button use `VettedAutograde`,
  installed by `install()` from nbgrader_config.py: nbgrader itself then sees only a
  vetted staging copy of each submission.
"""

import errno
import glob
import mimetypes
import os
import re
import stat
import sys
import unicodedata
from dataclasses import dataclass, field

from convgrade.batch.course_lock import CourseBusy, grading_lock
from convgrade.batch.startup import skip_optional_grammar
from convgrade.contract import NotebookRecord
from convgrade.plain_text import plain
from convgrade.tempdirs import PrivateFolder

skip_optional_grammar()

from nbgrader.apps.api import NbGraderAPI  # noqa: E402
from nbgrader.converters import Autograde, NbGraderException  # noqa: E402
from traitlets import Integer  # noqa: E402
from traitlets.config import Configurable  # noqa: E402

MIB = 1 << 20
RESOURCES_KEY = "convgrade_intake"  # the grader's own record, carried in nbconvert resources
TIMESTAMP = "timestamp.txt"
MAX_TIMESTAMP_BYTES = 100
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class Intake(Configurable):
    """Limits on what a submission folder may hold (``c.Intake.*`` in nbgrader_config.py)."""

    max_notebook_bytes = Integer(
        16 * MIB, help="Largest notebook file accepted; a larger one scores zero, with the reason."
    ).tag(config=True)
    max_file_bytes = Integer(
        16 * MIB, help="Largest other file accepted; larger files are left out of grading."
    ).tag(config=True)
    max_total_bytes = Integer(
        64 * MIB, help="Most bytes read from one submission; files past it are left out."
    ).tag(config=True)
    max_entries = Integer(
        1000, help="Most files and folders read from one submission; the rest are left out."
    ).tag(config=True)
    max_depth = Integer(16, help="Deepest folder nesting read from one submission.").tag(
        config=True
    )


class Refused(OSError):
    """A student-controlled path that will not be read; the message says why."""


@dataclass
class Refusal:
    path: str  # relative to the submission folder, made printable
    reason: str

    def __str__(self):
        return f"{self.path}: {self.reason}"


@dataclass
class VettedSubmission:
    """What may be graded from one submission folder, and what was refused.

    Attributes
    ----------
    files : dict of str to bytes
        Every accepted regular file, by relative POSIX path. A refused notebook named in
        `notebooks` is here as a stand-in that scores zero and says why.
    refused : list of Refusal
    """

    files: dict = field(default_factory=dict)
    refused: list = field(default_factory=list)

    @property
    def timestamp(self):
        """The submission time from timestamp.txt, or None (then nbgrader counts it on time)."""
        data = self.files.get(TIMESTAMP)
        return data.decode().strip() or None if data is not None else None

    def record(self, notebook):
        """The grader's intake record for one notebook (see convgrade.contract.NotebookRecord)."""
        return intake_record(self.refused, notebook)


def intake_record(refused, notebook):
    """``{"refused": ["path: reason", ...], "unreadable": reason}`` for one notebook.

    The notebook's own refusal (or the whole folder's) is its "unreadable" reason, as for
    any file that could not be graded; every other refused entry is listed under "refused".
    Plain data (NotebookRecord.to_metadata), as it travels in nbconvert's resources.
    """
    own = (f"{notebook}.ipynb", ".")
    record = NotebookRecord(refused=[str(r) for r in refused if r.path not in own])
    for refusal in refused:
        if refusal.path in own:
            record.unreadable = _notebook_reason(refusal)
    return record.to_metadata()


def missing_notebook(notebook, files):
    """Why `notebook` counts as missing, naming the notebooks submitted instead (a student
    who saved "convolutions (1).ipynb" learns what to rename)."""
    found = sorted(name for name in files if name.endswith(".ipynb"))
    shown = ", ".join(plain(name, 80) for name in found[:5]) or "no notebook"
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return f"the notebook file {notebook}.ipynb is missing; found: {shown}{more}"


def _notebook_reason(refusal):
    where = "the submission folder" if refusal.path == "." else f"the notebook {refusal.path}"
    return f"{where} was refused: {refusal.reason}"


def vet_submission(submitted, student, assignment, notebooks=(), limits=None):
    """Read submitted/<student>/<assignment>/ safely; never follows a link, never blocks.

    Parameters
    ----------
    submitted : path
        The course's submitted/ folder (the instructor's, trusted).
    student, assignment : str
    notebooks : iterable of str
        Notebook names that get a stand-in in `files` when refused. Make stand-ins in the
        process that grades them (RepairSubmission trusts only its own process's).
    limits : Intake, optional

    Returns
    -------
    VettedSubmission

    Example
    -------
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "ana" / "hw").mkdir(parents=True)
    >>> (root / "ana" / "hw" / "notes.txt").write_text("hi")
    2
    >>> (root / "ana" / "hw" / "db").symlink_to("/etc/passwd")
    >>> vetted = vet_submission(root, "ana", "hw")
    >>> vetted.files, [str(r) for r in vetted.refused]
    ({'notes.txt': b'hi'}, ['db: a symbolic link (to /etc/passwd); links are not accepted'])
    """
    limits = limits or Intake()
    vetted = VettedSubmission()
    walk = _Walk(limits, vetted)
    try:
        root_fd = os.open(submitted, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise Refused(f"cannot open {submitted}: {error.strerror}") from None
    try:
        folder_fd = _open_dir_chain(root_fd, [student, assignment])
    except Refused as error:
        vetted.refused.append(Refusal(".", str(error)))
        folder_fd = None
    finally:
        os.close(root_fd)
    if folder_fd is not None:
        try:
            walk.folder(folder_fd, "", 0)
        finally:
            os.close(folder_fd)
    _check_timestamp(vetted)
    for name in notebooks:
        for refusal in vetted.refused:
            if refusal.path in (f"{name}.ipynb", "."):
                from convgrade.autograde.exporter import (
                    placeholder,  # the exporter imports this module
                )

                stand_in = placeholder(_notebook_reason(refusal))
                vetted.files[f"{name}.ipynb"] = _notebook_bytes(stand_in)
    return vetted


def _check_timestamp(vetted):
    """nbgrader stops a whole submission on a timestamp it cannot parse: refuse it here."""
    data = vetted.files.get(TIMESTAMP)
    if data is None:
        return
    from nbgrader.utils import parse_utc

    try:
        if len(data) > MAX_TIMESTAMP_BYTES:
            raise ValueError
        parse_utc(data.decode("utf-8").strip())
    except (UnicodeDecodeError, ValueError, OverflowError):
        del vetted.files[TIMESTAMP]
        vetted.refused.append(Refusal(TIMESTAMP, "not a date and time nbgrader can read"))


def _notebook_bytes(notebook):
    import nbformat

    return nbformat.writes(notebook).encode()


def _open_dir_chain(dir_fd, parts):
    """Open dir_fd/part/part/... as a directory, refusing a link or non-folder at each step."""
    fd = dir_fd
    for part in parts:
        try:
            st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISDIR(st.st_mode):
                raise Refused(_kind(st, part, fd))
            new_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            raise Refused(f"{part} does not exist") from None
        except Refused:
            raise
        except OSError as error:
            raise Refused(_open_error(error)) from None
        finally:
            if fd != dir_fd:
                os.close(fd)
        fd = new_fd
    return fd


class _Walk:
    def __init__(self, limits, vetted):
        self.limits, self.vetted = limits, vetted
        self.entries = self.total = 0
        self.full = False

    def refuse(self, path, reason):
        self.vetted.refused.append(Refusal(plain(path, 120), reason))

    def folder(self, fd, prefix, depth):
        with os.scandir(fd) as listing:
            names = sorted(entry.name for entry in listing)
        if depth == 0:  # what is graded comes first, so no clutter can crowd it out of the caps
            names.sort(key=lambda name: not (name.endswith(".ipynb") or name == TIMESTAMP))
        for name in names:
            path = prefix + name
            if self.full:
                return
            self.entries += 1
            if self.entries > self.limits.max_entries:
                self.full = True
                self.refuse(
                    path,
                    f"the submission holds more than {self.limits.max_entries} files and "
                    "folders; this one and the rest were not read",
                )
                return
            if problem := name_problem(name):
                self.refuse(path, problem)
                continue
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError as error:
                self.refuse(path, _open_error(error))
                continue
            if stat.S_ISDIR(st.st_mode):
                self.subfolder(fd, name, path, st, depth)
            elif stat.S_ISREG(st.st_mode):
                self.file(fd, name, path, st)
            else:
                self.refuse(path, _kind(st, name, fd))

    def subfolder(self, fd, name, path, st, depth):
        if depth + 1 >= self.limits.max_depth:
            self.refuse(path, f"folders nested deeper than {self.limits.max_depth} levels")
            return
        try:
            sub_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
        except OSError as error:
            self.refuse(path, _open_error(error))
            return
        try:
            if not _same(os.fstat(sub_fd), st):
                self.refuse(path, "it changed while it was being read")
                return
            self.folder(sub_fd, path + "/", depth + 1)
        finally:
            os.close(sub_fd)

    def file(self, fd, name, path, st):
        if kind := page_type(name):
            self.refuse(path, _page_reason(kind))
            return
        limits = self.limits
        limit = limits.max_notebook_bytes if name.endswith(".ipynb") else limits.max_file_bytes
        if st.st_size > limit:
            self.refuse(path, _too_big(st.st_size, limit))
            return
        if self.total + st.st_size > self.limits.max_total_bytes:
            self.refuse(path, _over_total(self.limits.max_total_bytes))
            return
        try:
            data = read_regular(name, limit, dir_fd=fd, expect=st)
        except Refused as error:
            self.refuse(path, str(error))
            return
        if self.total + len(data) > self.limits.max_total_bytes:
            self.refuse(path, _over_total(self.limits.max_total_bytes))
            return
        self.total += len(data)
        self.vetted.files[path] = data


def read_regular(path, limit, dir_fd=None, expect=None):
    """The bytes of a regular file, opened without following a link and without blocking.

    Raises Refused if `path` is a link, not a regular file, larger than `limit` bytes
    (also if it grows while being read), or, given `expect` (an lstat result), no longer
    the file that was examined.

    Example
    -------
    >>> read_regular("/dev/null", 10)
    Traceback (most recent call last):
    ...
    convgrade.intake.vetting.Refused: a character device, not a regular file
    """
    try:
        fd = os.open(path, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as error:
        raise Refused(_open_error(error)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(
                f"{_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')}, not a regular file"
            )
        if expect is not None and not _same(st, expect):
            raise Refused("it changed while it was being read")
        if st.st_size > limit:
            raise Refused(_too_big(st.st_size, limit))
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 * MIB, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Refused(_too_big(size, limit) + " (it grew while being read)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _same(a, b):
    kind = stat.S_IFMT
    return (a.st_dev, a.st_ino, kind(a.st_mode)) == (b.st_dev, b.st_ino, kind(b.st_mode))


def _kind(st, name, dir_fd):
    if stat.S_ISLNK(st.st_mode):
        try:
            target = plain(os.readlink(name, dir_fd=dir_fd), 120)
        except OSError:
            target = "?"
        return f"a symbolic link (to {target}); links are not accepted"
    kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
    return f"{kind}, not a regular file"


def _open_error(error):
    if error.errno == errno.ELOOP:
        return "a symbolic link; links are not accepted"
    return f"could not be opened ({errno.errorcode.get(error.errno, error.errno)})"


def _too_big(size, limit):
    return f"{size / MIB:.1f} MiB, over the {limit / MIB:g} MiB limit for one file"


def _over_total(limit):
    return f"past the {limit / MIB:g} MiB limit for a whole submission; left out"


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name):
    """Why a file name cannot be used as given (None if it can)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if _UNSAFE_NAME.search(name) or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        return "its name holds control or formatting characters"
    return None


# The kinds of file a browser shows without running anything in them: pictures, text, data
# and notebooks, as a web server types them. A student's other files are copied into
# autograded/ (which the formgrader serves as it is, from the TA's own Jupyter site) and
# feedback/; a web page, an SVG or XML file there runs its script as that site's page,
# with the TA's session, once anyone follows a link to it.
PASSIVE_TYPES = frozenset(
    {
        "text/plain",
        "text/csv",
        "text/markdown",
        "text/x-python",
        "application/json",
        "application/x-ipynb+json",
        "application/pdf",
        "application/octet-stream",
        "application/zip",
        "application/x-tar",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/bmp",
        "image/webp",
        "image/tiff",
    }
)


def page_type(name):
    """The type a web server would give the file `name` when a browser could run it as a
    page (text/html, image/svg+xml, application/xml, ...); None when it is passive.

    Typed by name with `mimetypes`, as Jupyter's and the formgrader's file handlers type
    what they serve, leniently and strictly (either may serve it); a compressed file is
    judged by what it holds. A name with no known type is served as
    application/octet-stream: downloaded, never shown.
    """
    kinds = {mimetypes.guess_type(name, strict=strict)[0] for strict in (True, False)}
    active = sorted(kinds - PASSIVE_TYPES - {None})
    return active[0] if active else None


def _page_reason(kind):
    return (
        f"a file of type {kind}, which a browser would run as a page of the site showing it; "
        "only notebooks, pictures, text and data files are accepted"
    )


def write_vetted(folder, files):
    """Write {relative path: bytes} under `folder` (a fresh, grader-owned folder)."""
    for name, data in files.items():
        path = os.path.join(folder, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)


# ---- nbgrader autograde: grade only a vetted staging copy ---------------------------------
class VettedAutograde(Autograde):
    """nbgrader's Autograde, reading each submission only through `vet_submission`.

    Before nbgrader looks at any submission, every folder it would grade is vetted into a
    private staging folder holding only accepted regular files (and a stand-in for a
    refused notebook). nbgrader's own code (its glob, timestamp reading, `shutil.copy` of
    extra files, the exporter) then runs on that copy, unchanged; what was refused is
    recorded in each notebook's ``metadata["convgrade"]["refused"]``.
    """

    _staging = None
    _vetted = None

    @property
    def _input_directory(self):
        if self._sanitizing and self._staging:
            return self._staging
        return super()._input_directory

    def start(self):
        # One grading run per course, whichever door: a `convgrade grade` run holds the
        # same lock, and two runs would both write the gradebook and autograded/.
        try:
            with grading_lock(self.coursedir.root):
                self._start_vetted()
        except CourseBusy as busy:
            message = f"refusing to autograde: {busy}"
            self.log.error(message)
            raise NbGraderException(message) from None

    def _start_vetted(self):
        staging = PrivateFolder("intake")  # removed even if this process is killed
        self._staging = str(staging.path)
        self._vetted = {}
        try:
            super().start()
        finally:
            staging.close()
            self._staging = None

    def init_notebooks(self):
        self._stage()
        super().init_notebooks()

    def _stage(self):
        coursedir = self.coursedir
        submitted = coursedir.format_path(coursedir.submitted_directory, ".", ".")
        pattern = coursedir.format_path(
            coursedir.submitted_directory, coursedir.student_id, coursedir.assignment_id
        )
        limits = Intake(parent=self)
        for folder in sorted(glob.glob(pattern)):
            student = os.path.basename(os.path.dirname(folder))
            assignment = os.path.basename(folder)
            vetted = vet_submission(
                submitted, student, assignment, self._notebook_names(assignment), limits
            )
            for refusal in vetted.refused:
                self.log.warning("Refused in %s's submission: %s", plain(student, 120), refusal)
            write_vetted(os.path.join(self._staging, student, assignment), vetted.files)
            self._vetted[student] = vetted

    def _notebook_names(self, assignment):
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                return [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
            except MissingEntry:
                return []

    def init_single_notebook_resources(self, notebook_filename):
        resources = super().init_single_notebook_resources(notebook_filename)
        info = resources["nbgrader"]
        vetted = (self._vetted or {}).get(info["student"])
        if vetted is not None:
            resources[RESOURCES_KEY] = vetted.record(info["notebook"])
        return resources


def read_timestamp(submitted, student, assignment):
    """The submission time in submitted/<student>/<assignment>/timestamp.txt, read safely.

    Returns the text, or None when there is none, or it is a link, a FIFO, a device, too
    long or not a date.
    """
    from nbgrader.utils import parse_utc

    try:
        root_fd = os.open(submitted, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            folder_fd = _open_dir_chain(root_fd, [student, assignment])
        finally:
            os.close(root_fd)
        try:
            data = read_regular(TIMESTAMP, MAX_TIMESTAMP_BYTES, dir_fd=folder_fd)
        finally:
            os.close(folder_fd)
        text = data.decode("utf-8").strip()
        parse_utc(text)
        return text or None
    except (OSError, UnicodeDecodeError, ValueError, OverflowError):
        return None


class VettedNbGraderAPI(NbGraderAPI):
    """The formgrader's API, reading submission times without following links or blocking.

    nbgrader's own `get_submitted_timestamp` opens timestamp.txt with open(): a FIFO there
    would stop the whole Jupyter server when a TA opens the list of submissions.
    """

    def get_submitted_timestamp(self, assignment_id, student_id):
        from nbgrader.utils import parse_utc

        submitted = self.coursedir.format_path(self.coursedir.submitted_directory, ".", ".")
        text = read_timestamp(submitted, student_id, assignment_id)
        return parse_utc(text) if text else None


def install():
    """Make `nbgrader autograde` and the formgrader use the intake.

    `nbgrader autograde` and the formgrader's autograde button create their converter from
    the name ``Autograde`` in their own module (nbgrader.apps.autogradeapp and
    nbgrader.apps.api); the formgrader's pages create ``NbGraderAPI`` in
    nbgrader.server_extensions.formgrader.base, imported before it loads the config.
    nbgrader_config.py calls this, so any process that loads the course's configuration
    reads submissions through the intake.
    """
    from nbgrader.apps import api, autogradeapp

    autogradeapp.Autograde = VettedAutograde
    api.Autograde = VettedAutograde
    formgrader = sys.modules.get("nbgrader.server_extensions.formgrader.base")
    if formgrader is not None:  # only a Jupyter server imports it; importing it costs
        formgrader.NbGraderAPI = VettedNbGraderAPI


def uninstall():
    """Give nbgrader back its own Autograde (config checks start from this)."""
    from nbgrader.apps import api, autogradeapp

    autogradeapp.Autograde = api.Autograde = Autograde
    formgrader = sys.modules.get("nbgrader.server_extensions.formgrader.base")
    if formgrader is not None:
        formgrader.NbGraderAPI = NbGraderAPI


def installed():
    """Whether both of nbgrader's autograde entry points use VettedAutograde."""
    from nbgrader.apps import api, autogradeapp

    formgrader = sys.modules.get("nbgrader.server_extensions.formgrader.base")
    return (
        autogradeapp.Autograde is VettedAutograde
        and api.Autograde is VettedAutograde
        and getattr(formgrader, "NbGraderAPI", VettedNbGraderAPI) is VettedNbGraderAPI
    )
