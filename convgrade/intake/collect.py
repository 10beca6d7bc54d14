"""Submissions from an LMS bulk download or an exchange collect, copied into submitted/.

Two kinds of source:

- an LMS bulk download (a .zip, or the folder it was unpacked into), named as nbgrader's
  `zip_collect` expects: each file name tells the student, the notebook and perhaps the time,
  read by nbgrader's `FileNameCollectorPlugin` (``c.FileNameCollectorPlugin.named_regexp``
  in nbgrader_config.py). Without a configured pattern, the names Canvas, Moodle and
  Blackboard give their downloads are recognised (`LMS_NAMES`);
- a folder laid out as `nbgrader collect` leaves submitted/ (<student>/<assignment>/...),
  each student's folder read through the intake (`vet_submission`).

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
MAX_ARCHIVE_BYTES = 8 << 30
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
    "Canvas": r"(?P<name>[^/_]+)_(?:LATE_)?(?P<student_id>\d+)_(?P<submission_id>\d+)_"
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
    """The source cannot be imported at all (not found, not a zip, over the limits)."""


class LmsFileNameCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector; with no ``named_regexp`` configured it recognises
    the bulk-download names of Canvas, Moodle and Blackboard (`LMS_NAMES`).

    A name may fit several LMSs' patterns, because the part the student chose can imitate
    any of them (a Canvas file named "x_222_assignsubmission_file_convolutions.ipynb", a
    Moodle folder holding one named like another student's folder). The owner the LMS wrote
    comes first in the name, so the fit whose student id ends soonest is the true one; the
    others would give the file to whoever the student named. The dict also says which LMS
    it took ("lms").
    """

    def _match(self, filename):
        if self.named_regexp:
            return super()._match(filename)
        fits = [
            (match.end("student_id"), lms, match)
            for lms, pattern in LMS_NAMES.items()
            if (match := re.match(pattern, filename))
        ]
        if not fits:
            return None
        _, lms, match = min(fits, key=lambda fit: fit[0])
        return dict(match.groupdict(), lms=lms)


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


@dataclass
class ImportReport:
    imported: dict = field(default_factory=dict)  # student -> file names written
    unchanged: list = field(default_factory=list)  # already there, same files
    replaced: dict = field(default_factory=dict)  # student -> backup folder
    not_imported: list = field(default_factory=list)  # lines: a student left as they were
    left_out: list = field(default_factory=list)  # lines: files not used, and why
    notes: list = field(default_factory=list)  # lines: imported, but worth a look

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
    report = ImportReport()
    try:
        with contextlib.ExitStack() as still_open:  # the download, while files are read again
            if source.is_dir() and _submitted_layout(source, assignment):
                candidates = _from_collect(source, assignment, limits, report)
            else:
                members = _read_download(source, limits, report, still_open)
                collector = (
                    LmsFileNameCollector(config=config)
                    if config is not None
                    else LmsFileNameCollector()
                )
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
        if not files:  # a collected folder whose every file the intake refused (reported)
            continue
        odd = sorted(n for n in files if n.endswith(".ipynb") and n not in expected)
        if odd and expected:
            report.notes.append(
                f"{plain(student, 80)}: notebook named {', '.join(plain(n, 80) for n in odd)}, "
                f"expected {', '.join(sorted(expected))}: grading will say so"
            )
        _place(root, assignment, student, files, force, stamp, report)


# ---- reading a download -------------------------------------------------------------------
def _submitted_layout(folder, assignment):
    """Whether `folder` looks like nbgrader's submitted/ (<student>/<assignment>/)."""
    return any((entry / assignment).is_dir() for entry in folder.iterdir() if entry.is_dir())


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
    archive = still_open.enter_context(zipfile.ZipFile(source))
    entries = archive.infolist()
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise ImportRefused(
            f"{source} holds {len(entries)} entries, over the {MAX_ARCHIVE_ENTRIES} limit"
        )
    for info in entries:
        shown = plain(info.filename, 120)
        if info.is_dir():
            continue
        if problem := _unsafe_name(info.filename):
            report.left_out.append(f"refused {shown}: {problem}")
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind != stat.S_IFREG:
            what = "a symbolic link" if kind == stat.S_IFLNK else "not a regular file"
            report.left_out.append(f"refused {shown}: {what}")
            continue
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            report.left_out.append(
                f"refused {shown}: an archive inside the download; unpack it by hand"
            )
            continue
        limit = _member_limit(info.filename, limits)
        try:
            data = _zip_member_bytes(archive, info, limit)
        except UNREADABLE_MEMBER as error:
            report.left_out.append(f"refused {shown}: unreadable in the archive ({error})")
            continue
        if len(data) > limit:
            report.left_out.append(f"refused {shown}: over the {_size(limit)} limit for one file")
            continue
        total += len(data)
        if total > MAX_ARCHIVE_BYTES:
            raise ImportRefused(f"{source} unpacks to more than {MAX_ARCHIVE_BYTES >> 30} GiB")
        name = info.filename.replace("\\", "/")
        read_again = functools.partial(_zip_member_bytes, archive, info, limit)
        members.append(Member(name, _digest(data), read_again, datetime(*info.date_time)))
    return members


def _zip_member_bytes(archive, info, limit):
    """The member's bytes, at most one past `limit`: the size in its header is the archive's
    claim, and is not trusted."""
    with archive.open(info) as stream:
        return stream.read(limit + 1)


def _read_folder(source, limits, report):
    """Every regular file under `source`; links and special files are refused, never followed."""
    members = []
    for folder, subfolders, names in os.walk(source):  # os.walk does not follow links
        for name in sorted(names) + [d for d in subfolders if Path(folder, d).is_symlink()]:
            path = Path(folder, name)
            relative = path.relative_to(source).as_posix()
            shown = plain(relative, 120)
            if problem := name_problem(relative):
                report.left_out.append(f"refused {shown}: {problem}")
                continue
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
                report.left_out.append(f"refused {shown}: {what}")
                continue
            limit = _member_limit(name, limits)
            try:
                data = _regular_file_bytes(path, limit)
            except NotRegular:  # swapped since the lstat
                report.left_out.append(f"refused {shown}: not a regular file")
                continue
            except OSError as error:  # a link swapped in (O_NOFOLLOW), no permission...
                report.left_out.append(f"refused {shown}: unreadable ({error.strerror})")
                continue
            if len(data) > limit:
                report.left_out.append(
                    f"refused {shown}: over the {_size(limit)} limit for one file"
                )
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
                report.left_out.append(
                    f"refused {plain(member.name, 120)}: its name does not say whose it is "
                    "(set c.FileNameCollectorPlugin.named_regexp for your LMS's names)"
                )
            else:
                report.left_out.append(f"skipped {plain(member.name, 120)}: not a notebook")
            continue
        student = found.get("student_id") or ""
        if not STUDENT_ID.fullmatch(student):
            report.left_out.append(
                f"refused {plain(member.name, 120)}: {plain(repr(student), 60)} "
                "cannot be a student folder name"
            )
            continue
        kinds.add(found.get("lms"))
        file_name = PurePosixPath(found["file_id"]).name + PurePosixPath(member.name).suffix
        timestamp = _timestamp(found.get("timestamp"), member.name, report)
        copy = Copy(student, file_name, member, timestamp, int(found.get("copy") or 0))
        copies.setdefault((student, file_name), []).append(copy)
    if len(kinds - {None}) > 1:
        report.notes.append(
            f"this download mixes the file names of {' and '.join(sorted(kinds - {None}))}; "
            "each file went to the student its name starts with: check who got what"
        )
    candidates, newest, in_doubt = {}, {}, set()
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
    for student in in_doubt:  # half a submission would be graded as if it were whole
        candidates.pop(student, None)
    for student, when in newest.items():
        if student in candidates:  # nbgrader's own timestamp.txt, as ZipCollectApp writes it
            candidates[student][TIMESTAMP] = when.isoformat(" ").encode()
    return {student: _reader(files) for student, files in candidates.items()}


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

    Later means: a later time in the name, else a higher LMS copy number, else a later
    modification time in the archive. Identical copies are one.
    """
    distinct = {c.member.digest: c for c in copies}.values()
    if len(distinct) == 1:
        return copies[-1]

    def when(copy):
        return (copy.timestamp or datetime.min, copy.copy_number, copy.member.modified)

    ranked = sorted(distinct, key=when)
    if when(ranked[-1]) == when(ranked[-2]):
        return None
    kept = ranked[-1]
    for other in ranked[:-1]:
        report.left_out.append(
            f"skipped {plain(other.member.name, 120)}: an earlier copy; kept "
            f"{plain(kept.member.name, 120)}"
        )
    return kept


def _from_collect(source, assignment, limits, report):
    """{student: () -> {file name: bytes}} from a folder in submitted/ layout: each student's
    folder goes through the intake when it is read."""
    candidates = {}
    for folder in sorted(source.glob(f"*/{assignment}")):
        student = folder.parent.name
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
    if destination.exists():
        backup = root / BACKUP_DIR / stamp / student / assignment
        backup.parent.mkdir(parents=True, exist_ok=True)
        destination.rename(backup)
        report.replaced[student] = backup.relative_to(root)
    student_folder.mkdir(parents=True, exist_ok=True)
    staging.rename(destination)
    report.imported[student] = sorted(files)


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
    lines += [f"note: {line}" for line in report.notes]
    return "\n".join(lines)
