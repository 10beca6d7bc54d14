"""Submissions from an LMS bulk download or an exchange collect, copied into submitted/.

Two kinds of source:

- an LMS bulk download (a .zip, or the folder it was unpacked into), named as nbgrader's
  `zip_collect` expects: each file name tells the student, the notebook and perhaps the time,
  read by nbgrader's `FileNameCollectorPlugin` (``c.FileNameCollectorPlugin.named_regexp``
  in nbgrader_config.py). Without a configured pattern, the names Canvas, Moodle and
  Blackboard give their downloads are recognised (`LMS_NAMES`);
- a folder laid out as `nbgrader collect` leaves submitted/ (<student>/<assignment>/...),
  each student's folder read through the intake (`vet_submission`).

A folder's whole top level decides which it is (`_collect_layout`): a name the LMS wrote for
its owner counts for a download, whatever that student put inside (a folder named like the
assignment included), and a folder holding <assignment>/ under any other name counts for a
collect folder; a folder with both is refused, as is the course folder itself. Every entry
is then imported or named with the reason it was not; one student's files that cannot be
written (a name too long, a file where a folder goes) leave out only that student.

nbgrader's own `zip_collect` app is not used to do the copying, only its collector plugin:
its extractor unpacks archives without limits (sizes, entry counts, links, nested
archives), and its transfer step either stops halfway at the first student already in
submitted/ or, with --force, deletes that student's folder with no backup; it also stops the
whole run at duplicate files without timestamps. Here each archive member is checked
before it is read, a later copy wins over an earlier one (and both are reported), and an
existing submission is replaced only when asked, after a backup.

Memory holds one student's files at a time, whatever the size of the download: the first
reading keeps only each file's name, digest and time, and a student's files are read again
when they are placed (and refused if they changed in between).
"""

import contextlib
import errno
import functools
import hashlib
import lzma
import os
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from convgrade.batch.startup import skip_optional_grammar

skip_optional_grammar()

from nbgrader.plugins import FileNameCollectorPlugin  # noqa: E402
from nbgrader.utils import parse_utc  # noqa: E402

from convgrade.intake.vetting import (  # noqa: E402
    TIMESTAMP,
    Intake,
    Refused,
    name_problem,
    vet_submission,
)
from convgrade.plain_text import plain  # noqa: E402

# Bounds on a whole download, beyond the per-file limits of c.Intake: a class of hundreds,
# each with a few files, fits well inside; a zip bomb does not.
MAX_ARCHIVE_ENTRIES = 50_000
MAX_ARCHIVE_BYTES = 8 << 30  # every byte read counts, a refused file's too
# A download with more refused entries than this is no LMS's: the import stops with one line
# rather than naming each (a zip bomb of thousands of oversized entries).
MAX_REFUSED = 500
# Files that are not notebooks (pictures, data) are named one a line up to this many, then
# counted in one line.
MAX_OTHERS_NAMED = 200
# What reading a zip member can raise: damaged (a CRC or size mismatch, a broken deflate or
# LZMA stream), encrypted, or compressed an unknown way.
UNREADABLE_MEMBER = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
)
# Archives inside a download are not unpacked: a student's own zip is not a submission here.
ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")
# Where replaced submissions are kept (FORCE=1), inside the course folder but out of submitted/.
BACKUP_DIR = Path(".convgrade") / "backups"
STAGING_DIR = Path(".convgrade") / "importing"
# A student id becomes a folder name: one plain path component.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")

# The file names each LMS gives a bulk download of submissions, as nbgrader named-group
# patterns, matched from the start of the path inside the download. Each LMS puts the owner
# first (a file name's prefix, or Moodle's folder) and the name the student gave the file
# after it; that part may itself look like another student's prefix or folder, so the owner
# is read from the start only (`LmsFileNameCollector`).
LMS_NAMES = {
    # Canvas: <sortable name>_[LATE_]<user id>_<submission id>_<file name>[-<copy>].ipynb;
    # a file resubmitted under the same name gets -1, -2... before its extension.
    "Canvas": r"(?P<name>[^/_]+)_(?P<late>LATE_)?(?P<student_id>\d+)_(?P<submission_id>\d+)_"
    r"(?P<file_id>[^/]+?)(?:-(?P<copy>\d+))?\.ipynb$",
    # Moodle: "<Full Name>_<participant id>_assignsubmission_file_", a folder holding what
    # the student handed in (folders of their own included) or a prefix of each file's name.
    "Moodle": r"(?P<name>[^/]+?)_(?P<student_id>\d+)_assignsubmission_file_(?:/(?:.*/)?)?"
    r"(?P<file_id>[^/]+)\.ipynb$",
    # Blackboard: <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file name>.ipynb
    "Blackboard": r"[^/]*?_(?P<student_id>[^/_]+)_attempt_"
    r"(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file_id>[^/]+)\.ipynb$",
}


BLACKBOARD_TIME = re.compile(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d")


class ImportRefused(Exception):
    """The source cannot be imported at all (not found, not a zip, over the limits, a layout
    that cannot be told); nothing is imported."""


class LmsFileNameCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector; with no ``named_regexp`` configured it recognises
    the bulk-download names of Canvas, Moodle and Blackboard (`LMS_NAMES`).

    A name may fit several LMSs' patterns, because the part the student chose can imitate
    any of them (a Canvas file named "x_222_assignsubmission_file_convolutions.ipynb", a
    Moodle folder holding one named like another student's folder). The owner the LMS wrote
    comes first in the name, so the fit whose student id ends soonest is the true one; the
    others would give the file to whoever the student named. The dict also says which LMS
    it took ("lms") and where in the name the owner ends ("owner_end").
    """

    def _match(self, filename):
        if self.named_regexp:
            found = super()._match(filename)
            if found is not None:
                found["owner_end"] = self.owner_end(filename)
            return found
        fits = self._fits(filename)
        if not fits:
            return None
        end, lms, match = min(fits, key=lambda fit: fit[0])
        return dict(match.groupdict(), lms=lms, owner_end=end)

    def _fits(self, filename):
        patterns = {None: self.named_regexp} if self.named_regexp else LMS_NAMES
        return [
            (match.end("student_id"), lms, match)
            for lms, pattern in patterns.items()
            if (match := re.match(pattern, filename)) and "student_id" in match.groupdict()
        ]

    def owner_end(self, filename):
        """Where the owner's id ends in `filename`, read as `collect` reads it (None if it
        names nobody); quietly, unlike `collect`, which logs each name it cannot read."""
        if os.path.splitext(filename)[1] not in self.valid_ext:
            return None
        return min((fit[0] for fit in self._fits(filename)), default=None)


class NotAsFirstRead(Exception):
    """A student's files cannot be placed as they were first read; the message says why."""


@dataclass
class Member:
    """One file of a download: its path inside it, the digest of its bytes, how to read them
    again, and its modification time."""

    name: str
    digest: str
    read_again: Callable[[], bytes]  # raises what reading the file can raise
    modified: datetime | None = None

    def read_verified(self):
        """The file's bytes, read again; NotAsFirstRead unless they are as first read."""
        try:
            data = self.read_again()
        except UNREADABLE_MEMBER as error:
            reason = getattr(error, "strerror", None) or error
            raise NotAsFirstRead(f"{self.name} could not be read again ({reason})") from None
        if _digest(data) != self.digest:
            raise NotAsFirstRead(f"{self.name} changed while it was imported; run the import again")
        return data


def _digest(data):
    return hashlib.sha256(data).hexdigest()


@dataclass
class Copy:
    """One student's file as found in the download, with what says how recent it is."""

    student: str
    file_name: str
    member: Member
    timestamp: datetime | None = None  # from the file name (Blackboard) or timestamp.txt
    copy_number: int = 0  # Canvas's -1, -2 suffix: a later upload of the same file
    late: bool = False  # Canvas's LATE_ in the name: handed in after the due date, no time


@dataclass
class ImportReport:
    imported: dict = field(default_factory=dict)  # student -> file names written
    unchanged: list = field(default_factory=list)  # already there, same files
    replaced: dict = field(default_factory=dict)  # student -> backup folder
    not_imported: list = field(default_factory=list)  # lines: a student left as they were
    left_out: list = field(default_factory=list)  # lines: files not used, and why
    notes: list = field(default_factory=list)  # lines: imported, but worth a look
    refused: int = 0  # entries of the download refused while it was read
    others: int = 0  # files skipped as not notebooks
    last_other: str = ""

    def skip_other(self, name):
        """Name a file that is not a notebook; past MAX_OTHERS_NAMED, count them instead."""
        self.others += 1
        if self.others <= MAX_OTHERS_NAMED:
            self.left_out.append(f"skipped {plain(name, 120)}: not a notebook")
        else:
            self.last_other = name

    def refuse(self, line):
        """Name an entry left out as refused; past MAX_REFUSED of them, stop the import."""
        self.left_out.append(line)
        self.refused += 1
        if self.refused > MAX_REFUSED:
            raise ImportRefused(
                f"over {MAX_REFUSED} entries of the download refused (the last: {line}); "
                "nothing was imported: this is not a download an LMS makes"
            )

    @property
    def complete(self):
        """Whether everything that looked like a submission was imported or already there."""
        return not self.not_imported and not any(
            line.startswith("refused") for line in self.left_out
        )


def import_submissions(source, root, assignment, *, force=False, config=None, now=None):
    """Copy the submissions in `source` into root/submitted/<student>/<assignment>/.

    Parameters
    ----------
    source : path
        A .zip bulk download, its unpacked folder, or a folder in submitted/ layout.
    root : path
        The course folder.
    force : bool
        Replace a student's different existing submission; the old one is moved to
        .convgrade/backups/<time>/ first. Without it, that student is left as they were.
    config : traitlets Config, optional
        The course configuration (c.Intake limits, c.FileNameCollectorPlugin).

    Returns
    -------
    ImportReport
    """
    source, root = Path(source).expanduser(), Path(root)
    limits = Intake(config=config) if config is not None else Intake()
    collector = (
        LmsFileNameCollector(config=config) if config is not None else LmsFileNameCollector()
    )
    report = ImportReport()
    try:
        with contextlib.ExitStack() as still_open:  # the download, while files are read again
            collected = None
            if source.is_dir():
                _refuse_course_folder(source, root, assignment)
                collected = _collect_layout(source, assignment, collector)
            if collected is not None:
                candidates = _from_collect(source, collected, assignment, limits, report)
            else:
                members = _read_download(source, limits, report, still_open)
                candidates = _from_lms(members, collector, report)
            _place_all(root, assignment, candidates, force, now, report)
    finally:
        shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
    return report


def _place_all(root, assignment, candidates, force, now, report):
    """Read and place each student's files in turn ({student: () -> {name: bytes}})."""
    expected = {p.name for p in (root / "source" / assignment).glob("*.ipynb")}
    stamp = (now or datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")
    for student in sorted(candidates):
        try:
            files = candidates[student]()
        except NotAsFirstRead as problem:
            report.not_imported.append(f"{plain(student, 80)}: {plain(str(problem), 240)}")
            continue
        except OSError as error:
            report.not_imported.append(f"{plain(student, 80)}: {_os_reason(error)}")
            continue
        if not files:  # a collected folder whose every file the intake refused (reported)
            continue
        try:  # one student's trouble (a name too long, a file where a folder goes) is theirs
            _place(root, assignment, student, files, force, stamp, report)
        except OSError as error:
            staging = root / STAGING_DIR / student / assignment
            reason = _os_reason(error, within=(staging, root))
            report.not_imported.append(f"{plain(student, 80)}: {reason}")
            continue
        finally:
            shutil.rmtree(root / STAGING_DIR / student, ignore_errors=True)
        odd = sorted(n for n in files if n.endswith(".ipynb") and n not in expected)
        if odd and expected:
            report.notes.append(
                f"{plain(student, 80)}: notebook named {', '.join(plain(n, 80) for n in odd)}, "
                f"expected {', '.join(sorted(expected))}: grading will say so"
            )


def _os_reason(error, within=None):
    """One line for an OSError met while reading (`within` None) or writing one student's
    files; a path is shown from the first folder of `within` that holds it."""
    what = error.strerror or type(error).__name__
    where = error.filename
    if error.errno == errno.ENAMETOOLONG:
        what = "a file name too long for this filesystem"
    elif error.errno in (errno.ENOTDIR, errno.EEXIST) and where and within:
        path = Path(where)
        blocking = [p for p in (*reversed(path.parents), path) if p.exists() and not p.is_dir()]
        if blocking:
            what, where = "a file where a folder should be", blocking[0]
    for folder in within or ():
        with contextlib.suppress(ValueError, TypeError):
            if (relative := Path(where).relative_to(folder)) != Path("."):
                where = relative
                break
    doing = "could not be written" if within else "could not be read"
    shown = f" ({plain(str(where), 80)})" if where is not None else ""
    return f"{doing}: {plain(what, 120)}{shown}"


# ---- reading a download -------------------------------------------------------------------
# The course's own nbgrader folders: never a download, whatever they hold.
COURSE_FOLDERS = ("source", "release", "submitted", "autograded", "feedback")


def _refuse_course_folder(source, root, assignment):
    """ImportRefused when `source` is a course folder (this one or any holding source/ or
    release/), holds this course, or is inside one of its nbgrader folders: its instructor
    folders (or graded copies) would be taken for students' submissions."""
    how = "give the LMS download or the folder nbgrader collect filled"
    try:
        source_path, course = source.resolve(), root.resolve()
    except OSError:
        return
    if source_path == course or source_path in course.parents:
        raise ImportRefused(f"{source} is the course folder (or holds it), not a download; {how}")
    for part in COURSE_FOLDERS:
        if source_path == course / part or (course / part) in source_path.parents:
            raise ImportRefused(f"{source} is in the course's own {part}/ folder; {how}")
    for part in ("source", "release"):
        if (source / part / assignment).is_dir():
            raise ImportRefused(
                f"{source} holds {part}/{assignment}/: a course folder, not a download; "
                "give the LMS download or the folder nbgrader collect filled"
            )


def _collect_layout(source, assignment, collector):
    """The top-level folders of `source` to read as nbgrader collect's submitted/ layout
    (<student>/<assignment>/), with the entries that are not, or None to read it as an LMS
    download; ImportRefused when it holds both kinds.

    The whole top level decides: an entry whose own name the LMS wrote for its owner (a
    Moodle folder, a Canvas or Blackboard file) is LMS evidence, whatever it holds (a
    student may hand in a folder named like the assignment); a folder holding
    <assignment>/ under any other name is collect evidence.
    """
    try:
        tops = sorted(source.iterdir())
    except OSError as error:
        raise ImportRefused(f"{source} cannot be read ({error.strerror})") from None
    if not any(_holds(top, assignment) for top in tops):
        return None
    budget = [MAX_ARCHIVE_ENTRIES]
    by_lms, collected, others = [], [], []
    for top in tops:
        if _named_by_lms(top, collector, budget, source):
            by_lms.append(top.name)
        elif _holds(top, assignment):
            collected.append(top.name)
        else:
            others.append(top.name)
    if not collected:
        return None
    if by_lms:
        raise ImportRefused(
            f"{source} mixes an LMS download ({len(by_lms)} entries named by the LMS, such as "
            f"{plain(by_lms[0], 80)}) with nbgrader collect folders ({len(collected)} "
            f"<student>/{assignment}/, such as {plain(collected[0], 80)}/); nothing was "
            "imported: import each from a folder of its own"
        )
    return collected, others


def _holds(top, assignment):
    """Whether `top` is a folder holding <assignment>/ (or a link by that name, which the
    intake then refuses)."""
    inside = top / assignment
    return top.is_dir() and (inside.is_symlink() or inside.is_dir())


def _named_by_lms(top, collector, budget, source):
    """Whether the LMS named this top-level entry for its owner: a file name, or a path
    under the folder, is read as someone's with the owner ending inside the entry's name."""

    def owned_here(path):
        end = collector.owner_end(path)
        return end is not None and end <= len(top.name)

    if top.is_symlink() or not top.is_dir():
        return owned_here(top.name)
    if any(owned_here(f"{top.name}/_{ext}") for ext in collector.valid_ext):
        return True
    for folder, subfolders, names in os.walk(top):  # os.walk does not follow links
        budget[0] -= len(subfolders) + len(names)
        if budget[0] < 0:
            raise ImportRefused(f"{source} holds over {MAX_ARCHIVE_ENTRIES} entries")
        relative = Path(folder).relative_to(top.parent).as_posix()
        if any(owned_here(f"{relative}/{name}") for name in names):
            return True
    return False


def _read_download(source, limits, report, still_open):
    """The download's files as Members, each read once to check it and take its digest; a
    zip stays open in `still_open` (an ExitStack) so that they can be read again."""
    if zipfile.is_zipfile(source):
        return _read_zip(source, limits, report, still_open)
    if source.is_dir():
        return _read_folder(source, limits, report)
    if not source.exists():
        raise ImportRefused(f"{source} does not exist")
    raise ImportRefused(f"{source} is neither a .zip download nor a folder")


def _member_limit(name, limits):
    return limits.max_notebook_bytes if name.endswith(".ipynb") else limits.max_file_bytes


def _size(limit):
    return f"{limit / (1 << 20):g} MiB" if limit >= 1 << 20 else f"{limit} byte"


def _unsafe_name(name):
    """Why an archive member's name cannot become a path under submitted/ (None if it can)."""
    if problem := name_problem(name):
        return problem
    posix = name.replace("\\", "/")  # zips made on Windows may use backslashes
    if posix.startswith("/") or re.match(r"[A-Za-z]:", posix):
        return "an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "a path leading out of the download (..)"
    return None


def _read_zip(source, limits, report, still_open):
    members, total = [], 0
    try:
        with open(source, "rb") as stream:  # the count the archive declares, before its list
            declared = (zipfile._EndRecData(stream) or {})[zipfile._ECD_ENTRIES_TOTAL]
    except (OSError, LookupError, AttributeError):
        declared = 0
    if declared > MAX_ARCHIVE_ENTRIES:
        raise ImportRefused(
            f"{source} holds {declared} entries, over the {MAX_ARCHIVE_ENTRIES} limit"
        )
    try:
        archive = still_open.enter_context(zipfile.ZipFile(source))
    except (*UNREADABLE_MEMBER, ValueError) as error:
        raise ImportRefused(f"{source} cannot be read as a zip ({error})") from None
    entries = archive.infolist()
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ImportRefused(
            f"{source} holds {len(entries)} entries, over the {MAX_ARCHIVE_ENTRIES} limit"
        )
    _refuse_overlapping(source, entries)
    for info in entries:
        shown = plain(info.filename, 120)
        if info.is_dir():
            continue
        if problem := _unsafe_name(info.filename):
            report.refuse(f"refused {shown}: {problem}")
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind != stat.S_IFREG:
            what = "a symbolic link" if kind == stat.S_IFLNK else "not a regular file"
            report.refuse(f"refused {shown}: {what}")
            continue
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            report.refuse(f"refused {shown}: an archive inside the download; unpack it by hand")
            continue
        limit = _member_limit(info.filename, limits)
        try:
            data = _zip_member_bytes(archive, info, limit)
        except UNREADABLE_MEMBER as error:
            report.refuse(f"refused {shown}: unreadable in the archive ({error})")
            continue
        total += len(data)  # counted before any refusal: every byte inflated is work done
        if total > MAX_ARCHIVE_BYTES:
            raise ImportRefused(f"{source} unpacks to more than {_size(MAX_ARCHIVE_BYTES)}")
        if len(data) > limit:
            report.refuse(f"refused {shown}: over the {_size(limit)} limit for one file")
            continue
        name = info.filename.replace("\\", "/")
        read_again = functools.partial(_zip_member_bytes, archive, info, limit)
        members.append(Member(name, _digest(data), read_again, datetime(*info.date_time)))
    return members


def _refuse_overlapping(source, entries):
    """ImportRefused when two entries share bytes of the archive: a zip made to inflate the
    same data many times over, never an LMS's (Python before 3.12 does not check this)."""
    spans = sorted((info.header_offset, 30 + info.compress_size) for info in entries)
    for (start, least), (following, _) in zip(spans, spans[1:], strict=False):
        if start + least > following:  # `least`: the entry's size without its names
            raise ImportRefused(
                f"{source} has entries that overlap inside the archive; not an LMS download"
            )


def _zip_member_bytes(archive, info, limit):
    """The member's bytes, at most one past `limit`: the size in its header is the archive's
    claim, and is not trusted."""
    with archive.open(info) as stream:
        return stream.read(limit + 1)


def _read_folder(source, limits, report):
    """Every regular file under `source`; links and special files are refused, never followed."""
    members, entries, total = [], 0, 0

    def unlisted(error):  # a folder that cannot be listed is named, never passed over
        where = plain(Path(error.filename).relative_to(source).as_posix(), 120)
        report.refuse(f"refused {where}/: unreadable ({error.strerror})")

    for folder, subfolders, names in os.walk(source, onerror=unlisted):  # never follows links
        entries += len(subfolders) + len(names)
        if entries > MAX_ARCHIVE_ENTRIES:
            raise ImportRefused(f"{source} holds over {MAX_ARCHIVE_ENTRIES} entries")
        for name in sorted(names) + [d for d in subfolders if Path(folder, d).is_symlink()]:
            path = Path(folder, name)
            relative = path.relative_to(source).as_posix()
            shown = plain(relative, 120)
            if problem := name_problem(relative):
                report.refuse(f"refused {shown}: {problem}")
                continue
            try:
                info = path.lstat()
            except OSError as error:  # gone since the listing
                report.refuse(f"refused {shown}: unreadable ({error.strerror})")
                continue
            if not stat.S_ISREG(info.st_mode):
                what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
                report.refuse(f"refused {shown}: {what}")
                continue
            limit = _member_limit(name, limits)
            try:
                data = _regular_file_bytes(path, limit)
            except NotRegular:  # swapped since the lstat
                report.refuse(f"refused {shown}: not a regular file")
                continue
            except OSError as error:  # a link swapped in (O_NOFOLLOW), no permission...
                report.refuse(f"refused {shown}: unreadable ({error.strerror})")
                continue
            total += len(data)
            if total > MAX_ARCHIVE_BYTES:
                raise ImportRefused(f"{source} holds more than {_size(MAX_ARCHIVE_BYTES)}")
            if len(data) > limit:
                report.refuse(f"refused {shown}: over the {_size(limit)} limit for one file")
                continue
            read_again = functools.partial(_regular_file_bytes, path, limit)
            modified = datetime.fromtimestamp(info.st_mtime)
            members.append(Member(relative, _digest(data), read_again, modified))
    return members


class NotRegular(OSError):
    """A link, FIFO, device or socket where a regular file was."""


def _regular_file_bytes(path, limit):
    """The file's bytes, at most one past `limit`, never through a link; NotRegular if it
    is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{path.name} is not a regular file")
        return stream.read(limit + 1)


# ---- who submitted what ---------------------------------------------------------------------
def _from_lms(members, collector, report):
    """{student: () -> {file name: bytes}}, keeping the latest copy of each file (others
    reported)."""
    copies, kinds = {}, set()
    for member in _without_wrapper(members, collector):
        found = collector.collect(member.name)
        if not found:
            if member.name.endswith(tuple(collector.valid_ext)):
                report.refuse(
                    f"refused {plain(member.name, 120)}: its name does not say whose it is "
                    "(set c.FileNameCollectorPlugin.named_regexp for your LMS's names)"
                )
            else:
                report.skip_other(member.name)
            continue
        student = found.get("student_id") or ""
        if not STUDENT_ID.fullmatch(student):
            report.refuse(
                f"refused {plain(member.name, 120)}: {plain(repr(student), 60)} "
                "cannot be a student folder name"
            )
            continue
        kinds.add(found.get("lms"))
        file_name = PurePosixPath(found["file_id"]).name + PurePosixPath(member.name).suffix
        timestamp = _timestamp(found.get("timestamp"), member.name, report)
        copy = Copy(
            student,
            file_name,
            member,
            timestamp,
            int(found.get("copy") or 0),
            bool(found.get("late")),
        )
        copies.setdefault((student, file_name), []).append(copy)
    if len(kinds - {None}) > 1:
        report.notes.append(
            f"this download mixes the file names of {' and '.join(sorted(kinds - {None}))}; "
            "each file went to the student its name starts with: check who got what"
        )
    candidates, newest, in_doubt, late = {}, {}, set(), set()
    for (student, file_name), found in sorted(copies.items()):
        kept = _latest(found, report)
        if kept is None:
            in_doubt.add(student)
            report.not_imported.append(
                f"{plain(student, 80)}: {len(found)} different copies of "
                f"{plain(file_name, 80)} and nothing says which is later; import one by hand"
            )
            continue
        candidates.setdefault(student, {})[file_name] = kept.member
        if kept.timestamp:
            newest[student] = max(kept.timestamp, newest.get(student, kept.timestamp))
        if kept.late and not kept.timestamp:
            late.add(student)
    for student in in_doubt:  # half a submission would be graded as if it were whole
        candidates.pop(student, None)
    if late := sorted(late & candidates.keys()):
        report.notes.append(late_without_time(late))
    for student, when in newest.items():
        if student in candidates:  # nbgrader's own timestamp.txt, as ZipCollectApp writes it
            candidates[student][TIMESTAMP] = when.isoformat(" ").encode()
    return {student: _reader(files) for student, files in candidates.items()}


def late_without_time(students, shown=10):
    """The note for submissions the LMS marked late without saying when they came in."""
    names = ", ".join(plain(student, 40) for student in students[:shown])
    more = f" and {len(students) - shown} more" if len(students) > shown else ""
    return (
        f"marked late by the LMS, with no time in the download: {names}{more}. No late "
        "penalty can be applied to them. To apply one, write each submission's time into "
        f"submitted/<student>/<assignment>/{TIMESTAMP} (for example 2026-01-12 18:30:00) "
        "and grade again"
    )


def _reader(files):
    """() -> {name: bytes} for {name: Member or bytes}: the members read again (and
    verified), the bytes (timestamp.txt, made here) as they are."""
    return lambda: {
        name: found if isinstance(found, bytes) else found.read_verified()
        for name, found in files.items()
    }


def _without_wrapper(members, collector):
    """The members, named from inside the folder that holds them all when only that way do
    names say whose they are (a download unpacked into a folder and zipped again). A
    student cannot make such a folder: it would have to hold everyone's files."""
    while members and not any(collector.collect(m.name) for m in members):
        tops = {m.name.partition("/")[0] for m in members}
        if len(tops) != 1 or not all("/" in m.name for m in members):
            break
        members = [replace(m, name=m.name.partition("/")[2]) for m in members]
    return members


def _timestamp(text, name, report):
    if not text:
        return None
    try:
        # Blackboard's YYYY-MM-DD-HH-MM-SS: dateutil (parse_utc) reads "-30-00" as a
        # time-zone offset and returns the wrong hour, so this form is read exactly.
        if BLACKBOARD_TIME.fullmatch(text):
            return datetime.strptime(text, "%Y-%m-%d-%H-%M-%S")
        return parse_utc(text)
    except (ValueError, OverflowError):
        report.notes.append(f"{plain(name, 120)}: unreadable time {plain(text, 40)}; ignored")
        return None


def _latest(copies, report):
    """The latest of several copies of one file, or None when nothing says which it is.

    Later means, in each LMS's own order: a later time in the name (Blackboard's attempt
    time), else a higher copy number (Canvas's -1, -2 for a file uploaded again under the
    same name), else a later modification time in the archive or folder (Moodle). Every copy
    is ranked, whatever its content: a student may go back to an earlier version, and the
    copy that says so is the one kept. Copies ranked equal count as one only when their
    bytes are the same. Each copy not kept is named, with the one kept.
    """
    if len(copies) == 1:
        return copies[0]

    def when(copy):
        return (
            copy.timestamp or datetime.min,
            copy.copy_number,
            copy.member.modified or datetime.min,
        )

    ranked = sorted(copies, key=when)
    latest = [copy for copy in ranked if when(copy) == when(ranked[-1])]
    if len({copy.member.digest for copy in latest}) > 1:
        return None
    kept = ranked[-1]
    shown = plain(kept.member.name, 120)
    for other in ranked[:-1]:
        same = other.member.digest == kept.member.digest
        if other.member.name != kept.member.name:
            why = f"an earlier copy{' (the same file again)' if same else ''}; kept {shown}"
        elif same:  # one name listed twice in the download
            why = "the same file listed again; kept once"
        else:
            why = "an earlier copy listed under the same name; kept the later one"
        report.left_out.append(f"skipped {plain(other.member.name, 120)}: {why}")
    return kept


def _from_collect(source, layout, assignment, limits, report):
    """{student: () -> {file name: bytes}} from a folder in submitted/ layout: each student's
    folder goes through the intake when it is read; the other entries are named."""
    students, others = layout
    for name in others:
        report.left_out.append(f"skipped {plain(name, 120)}: not a <student>/{assignment}/ folder")
    candidates = {}
    for student in students:
        if not STUDENT_ID.fullmatch(student):
            report.left_out.append(
                f"refused {plain(student, 80)}/: cannot be a student folder name"
            )
            continue
        candidates[student] = _vetted_reader(source, student, assignment, limits, report)
    return candidates


def _vetted_reader(source, student, assignment, limits, report):
    """() -> the student's files, through the intake (its refusals reported); NotAsFirstRead
    if the folder itself cannot be read now."""

    def read():
        try:
            vetted = vet_submission(source, student, assignment, limits=limits)
        except Refused as refused:
            raise NotAsFirstRead(f"{assignment}/ could not be read ({refused})") from None
        for refusal in vetted.refused:
            report.left_out.append(f"refused {plain(student, 80)}/{assignment}/{refusal}")
        return vetted.files

    return read


# ---- writing submitted/ ---------------------------------------------------------------------
def _place(root, assignment, student, files, force, stamp, report):
    """Write one student's files as submitted/<student>/<assignment>/, never silently over
    a different submission: without `force` that student is left as they were; with it,
    the old folder is moved to the backups first."""
    student_folder = root / "submitted" / student
    destination = student_folder / assignment
    if student_folder.is_symlink() or destination.is_symlink():
        report.not_imported.append(f"{plain(student, 80)}: submitted/ holds a link there")
        return
    for folder in (root / "submitted", student_folder, destination):
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    if destination.exists():
        present = vet_submission(root / "submitted", student, assignment).files
        if present == files:
            report.unchanged.append(student)
            return
        if not force:
            report.not_imported.append(
                f"{plain(student, 80)}: a different submission is already in "
                f"submitted/{plain(student, 80)}/{assignment}/; kept (FORCE=1 replaces it, "
                "with a backup)"
            )
            return
    staging = root / STAGING_DIR / student / assignment
    shutil.rmtree(staging, ignore_errors=True)
    for name, data in files.items():
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    made = not student_folder.exists()
    student_folder.mkdir(parents=True, exist_ok=True)  # before anything is moved away
    backup = None
    try:
        if destination.exists() or destination.is_symlink():
            backup = _new_backup(root, stamp, student) / assignment
            destination.rename(backup)
        staging.rename(destination)
    except OSError:
        with contextlib.suppress(OSError):
            if backup is not None and backup.exists():  # the old submission goes back
                backup.rename(destination)
            elif made:  # no empty student folder is left for grading to find
                student_folder.rmdir()
        raise
    if backup is not None:
        report.replaced[student] = backup.relative_to(root)
    report.imported[student] = sorted(files)


def _new_backup(root, stamp, student):
    """A folder of its own for one student's replaced submission: backups/<time>/<student>/,
    or <time>-2, -3... when an import in the same second already made that one."""
    for attempt in range(1, 1000):
        folder = root / BACKUP_DIR / (stamp if attempt == 1 else f"{stamp}-{attempt}") / student
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(errno.EEXIST, "no free backup folder", str(root / BACKUP_DIR / stamp))


def format_report(report):
    """What an import did, for the instructor: one line each, student text made inert."""
    lines = [
        f"imported {len(report.imported)} submission(s) into submitted/"
        + (f": {', '.join(plain(s, 60) for s in report.imported)}" if report.imported else "")
    ]
    if report.unchanged:
        lines.append(f"already there, unchanged: {len(report.unchanged)}")
    for student, backup in report.replaced.items():
        lines.append(f"replaced {plain(student, 80)}; the old submission is in {backup}")
    lines += [f"not imported: {line}" for line in report.not_imported]
    lines += report.left_out
    if report.others > MAX_OTHERS_NAMED:
        lines.append(
            f"skipped {report.others - MAX_OTHERS_NAMED} more files that are not notebooks "
            f"(the last: {plain(report.last_other, 120)})"
        )
    lines += [f"note: {line}" for line in report.notes]
    return "\n".join(lines)
