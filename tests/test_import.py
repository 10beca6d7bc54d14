"""Does `make import` bring an LMS download or a collected folder into submitted/ safely:
odd names refused, the latest copy kept, nothing overwritten silently?"""

import os
import re
import shutil
import stat
import struct
import tracemalloc
import zipfile
import zlib
from datetime import datetime

import pytest
from nbgrader.utils import parse_utc
from support import REPO, SOURCE, convgrade
from traitlets.config import Config

from convgrade.intake import collect
from convgrade.intake.collect import (
    BACKUP_DIR,
    LMS_NAMES,
    ImportRefused,
    format_report,
    import_submissions,
)

ASSIGNMENT = "convolutions"
EARLY, LATE = (2026, 1, 10, 9, 0, 0), (2026, 1, 12, 18, 30, 0)


@pytest.fixture
def course(tmp_path):
    """A course folder as far as importing needs: the source notebook names."""
    root = tmp_path / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    (root / "source" / ASSIGNMENT / "convolutions.ipynb").write_bytes(
        (SOURCE / "convolutions.ipynb").read_bytes()
    )
    return root


def write_zip(path, members):
    """members: [(name, bytes, date_time or None, mode or None)]"""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, when, mode in members:
            info = zipfile.ZipInfo(name, when or EARLY)
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return path


def everything_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def submitted(root, student, name="convolutions.ipynb"):
    return (root / "submitted" / student / ASSIGNMENT / name).read_bytes()


def test_a_canvas_download_with_odd_members(course, tmp_path):
    """Path traversal, absolute paths, links, nested archives and oversized members are
    refused and named; a later copy (Canvas's -1) wins over the first; a misnamed notebook is
    imported with a note; nothing is written outside submitted/<student>/<assignment>/."""
    download = write_zip(
        tmp_path / "canvas.zip",
        [
            ("smithjane_4101_9001_convolutions.ipynb", b"first", None, None),
            ("smithjane_LATE_4101_9002_convolutions-1.ipynb", b"second", None, None),
            ("doejohn_4102_9003_convolutions (1).ipynb", b"renamed", None, None),
            ("doejohn_4102_9003_photo.png", b"png", None, None),
            ("../evil_4103_9004_convolutions.ipynb", b"x", None, None),
            ("/etc/abs_4104_9005_convolutions.ipynb", b"x", None, None),
            ("C:\\abs_4106_9008_convolutions.ipynb", b"x", None, None),
            ("link_4105_9006_convolutions.ipynb", b"/etc/passwd", None, stat.S_IFLNK | 0o777),
            ("nested_4107_9009_work.zip", b"PK", None, None),
            ("huge_4108_9010_convolutions.ipynb", b"x" * 2000, None, None),
            ("readme.ipynb", b"whose?", None, None),
        ],
    )
    config = Config({"Intake": {"max_notebook_bytes": 1000}})
    report = import_submissions(download, course, ASSIGNMENT, config=config)

    assert sorted(report.imported) == ["4101", "4102"]
    assert submitted(course, "4101") == b"second"
    assert submitted(course, "4102", "convolutions (1).ipynb") == b"renamed"
    assert everything_under(course) == [
        "source/convolutions/convolutions.ipynb",
        "submitted/4101/convolutions/convolutions.ipynb",
        "submitted/4102/convolutions/convolutions (1).ipynb",
    ]
    text = format_report(report)
    for expected in [
        "refused ../evil_4103_9004_convolutions.ipynb: a path leading out of the download",
        "refused /etc/abs_4104_9005_convolutions.ipynb: an absolute path",
        "refused C:\\abs_4106_9008_convolutions.ipynb: an absolute path",
        "refused link_4105_9006_convolutions.ipynb: a symbolic link",
        "refused nested_4107_9009_work.zip: an archive inside the download",
        "refused huge_4108_9010_convolutions.ipynb: over the 1000 byte limit for one file",
        "refused readme.ipynb: its name does not say whose it is",
        "skipped doejohn_4102_9003_photo.png: not a notebook",
        "skipped smithjane_4101_9001_convolutions.ipynb: an earlier copy; "
        "kept smithjane_LATE_4101_9002_convolutions-1.ipynb",
        "note: 4102: notebook named convolutions (1).ipynb, expected convolutions.ipynb",
    ]:
        assert expected in text, expected
    assert not report.complete


def test_a_zip_bomb_is_unpacked_only_to_the_limit(course, tmp_path):
    """A member that inflates far past its compressed size is read one byte past the limit,
    then refused; one whose header lies about its size is refused as damaged."""
    download = tmp_path / "bomb.zip"
    with zipfile.ZipFile(download, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb_4109_1_convolutions.ipynb", b"0" * 5_000_000)
        archive.writestr("liar_4110_2_convolutions.ipynb", b"1" * 5_000)
    with zipfile.ZipFile(download) as archive:
        assert archive.infolist()[0].compress_size < 10_000  # a zip bomb in miniature
    # The liar's headers (local and central) claim 50 bytes instead of 5000.
    data = download.read_bytes()
    claimed = (5_000).to_bytes(4, "little") + b"\x1e\x00"  # size, then the name's length
    assert data.count(claimed) == 2
    download.write_bytes(data.replace(claimed, (50).to_bytes(4, "little") + b"\x1e\x00"))

    config = Config({"Intake": {"max_notebook_bytes": 100_000}})
    report = import_submissions(download, course, ASSIGNMENT, config=config)
    assert report.imported == {} and not (course / "submitted").exists()
    text = format_report(report)
    assert "refused bomb_4109_1_convolutions.ipynb: over the 100000 byte limit" in text
    assert "refused liar_4110_2_convolutions.ipynb: unreadable in the archive" in text


@pytest.mark.parametrize("layout", ["zip", "unpacked folder", "collect folder"])
def test_memory_holds_one_students_files_at_a_time(course, tmp_path, layout):
    """A download of 40 notebooks of 1 MiB each is imported whole, with at most a few
    students' files in memory at once (tracemalloc counts every bytes object read)."""
    students, size = 40, 1 << 20
    notebooks = {f"{4300 + i}": os.urandom(size) for i in range(students)}  # incompressible
    if layout == "collect folder":
        download = tmp_path / "collected"
        for student, data in notebooks.items():
            (download / student / ASSIGNMENT).mkdir(parents=True)
            (download / student / ASSIGNMENT / "convolutions.ipynb").write_bytes(data)
    else:
        names = {f"s{s}_{s}_1_convolutions.ipynb": data for s, data in notebooks.items()}
        download = write_zip(tmp_path / "big.zip", [(n, d, None, None) for n, d in names.items()])
        if layout == "unpacked folder":
            folder = tmp_path / "unpacked"
            with zipfile.ZipFile(download) as archive:
                archive.extractall(folder)
            download = folder
    config = Config({"Intake": {"max_notebook_bytes": 2 * size}})
    tracemalloc.start()
    try:
        report = import_submissions(download, course, ASSIGNMENT, config=config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sorted(report.imported) == sorted(notebooks)
    assert all(submitted(course, s) == data for s, data in notebooks.items())
    assert peak < 6 * size, f"{peak / size:.1f} MiB held at once"


def import_changed_in_between(course, tmp_path, change):
    """Import a two-student download folder, calling change(folder) between the first
    reading of the files and their placing."""
    from convgrade.intake import collect

    download = tmp_path / "unpacked"
    download.mkdir()
    (download / "ana_4401_1_convolutions.ipynb").write_bytes(b"ana's")
    (download / "bo_4402_2_convolutions.ipynb").write_bytes(b"bo's")
    first_reading = collect._from_lms

    def change_after_first_reading(*args, **kwargs):
        candidates = first_reading(*args, **kwargs)
        change(download)
        return candidates

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect, "_from_lms", change_after_first_reading)
        return import_submissions(download, course, ASSIGNMENT)


def test_a_file_that_changes_while_it_is_imported_is_not_placed(course, tmp_path):
    """The files are read twice (to check them, then to place them): a notebook swapped in
    between leaves its student out, with the reason, and the others are imported."""
    report = import_changed_in_between(
        course,
        tmp_path,
        lambda folder: (folder / "ana_4401_1_convolutions.ipynb").write_bytes(b"another's"),
    )
    assert list(report.imported) == ["4402"]
    assert report.not_imported == [
        "4401: ana_4401_1_convolutions.ipynb changed while it was imported; run the import again"
    ]
    assert not (course / "submitted" / "4401").exists()


def test_a_file_gone_before_it_is_placed_says_so(course, tmp_path):
    """Read once, then deleted: its student is left out with the reason, not "changed"."""
    report = import_changed_in_between(
        course, tmp_path, lambda folder: (folder / "bo_4402_2_convolutions.ipynb").unlink()
    )
    assert list(report.imported) == ["4401"]
    assert report.not_imported == [
        "4402: bo_4402_2_convolutions.ipynb could not be read again (No such file or directory)"
    ]
    assert not (course / ".convgrade" / "importing").exists()


@pytest.mark.parametrize(
    "compression, broken",
    [
        (zipfile.ZIP_DEFLATED, slice(0, 2)),  # the first block's header: before any CRC check
        (zipfile.ZIP_LZMA, slice(20, 60)),  # past the 4-byte header zipfile reads itself
    ],
)
def test_a_member_with_a_broken_compressed_stream_is_refused_not_a_crash(
    course, tmp_path, compression, broken
):
    """Damaged compressed data (zlib's or lzma's own errors, not zipfile's) is one refused
    line; the other students are imported."""
    download = tmp_path / "damaged.zip"
    with zipfile.ZipFile(download, "w", compression=compression) as archive:
        archive.writestr("ana_4501_1_convolutions.ipynb", b"ana's notebook " * 200)
        archive.writestr("bo_4502_2_convolutions.ipynb", os.urandom(3000))
    data = bytearray(download.read_bytes())
    with zipfile.ZipFile(download) as archive:
        bo = archive.getinfo("bo_4502_2_convolutions.ipynb")
    start = bo.header_offset + 30 + len(bo.filename)  # the local header, then the data
    data[start + broken.start : start + broken.stop] = b"\xff" * (broken.stop - broken.start)
    download.write_bytes(bytes(data))
    report = import_submissions(download, course, ASSIGNMENT)
    assert list(report.imported) == ["4501"]
    refused = [line for line in report.left_out if "bo_4502_2" in line]
    assert len(refused) == 1 and "unreadable in the archive" in refused[0], report.left_out


def test_an_existing_submission_is_kept_unless_forced_then_backed_up(course, tmp_path):
    first = write_zip(tmp_path / "a.zip", [("ana_4201_1_convolutions.ipynb", b"v1", None, None)])
    second = write_zip(tmp_path / "b.zip", [("ana_4201_2_convolutions.ipynb", b"v2", None, None)])
    assert import_submissions(first, course, ASSIGNMENT).imported == {
        "4201": ["convolutions.ipynb"]
    }
    again = import_submissions(first, course, ASSIGNMENT)
    assert again.unchanged == ["4201"] and again.complete

    kept = import_submissions(second, course, ASSIGNMENT)
    assert submitted(course, "4201") == b"v1" and not kept.complete
    assert "a different submission is already in submitted/4201/convolutions/; kept" in (
        format_report(kept)
    )

    now = datetime(2026, 2, 1, 8, 0, 0)
    replaced = import_submissions(second, course, ASSIGNMENT, force=True, now=now)
    assert submitted(course, "4201") == b"v2" and replaced.complete
    backup = course / BACKUP_DIR / "2026-02-01T08-00-00" / "4201" / ASSIGNMENT
    assert replaced.replaced == {"4201": backup.relative_to(course)}
    assert (backup / "convolutions.ipynb").read_bytes() == b"v1"
    assert str(backup.relative_to(course)) in format_report(replaced)


def test_blackboard_times_pick_the_latest_and_become_timestamp_txt(course, tmp_path):
    download = write_zip(
        tmp_path / "bb.zip",
        [
            ("Convolutions_bitdiddle_attempt_2026-01-12-18-30-00_convolutions.ipynb", b"new",
             EARLY, None),
            ("Convolutions_bitdiddle_attempt_2026-01-10-09-00-00_convolutions.ipynb", b"old",
             LATE, None),
        ],
    )  # fmt: skip
    report = import_submissions(download, course, ASSIGNMENT)
    assert submitted(course, "bitdiddle") == b"new"
    stamp = submitted(course, "bitdiddle", "timestamp.txt").decode()
    assert parse_utc(stamp) == datetime(2026, 1, 12, 18, 30, 0)
    assert "an earlier copy" in format_report(report)


def test_copies_with_nothing_to_order_them_leave_the_student_out(course, tmp_path):
    download = write_zip(
        tmp_path / "moodle.zip",
        [
            ("Ana Lima_77_assignsubmission_file_/convolutions.ipynb", b"one", EARLY, None),
            ("Ana Lima_77_assignsubmission_file_/sub/convolutions.ipynb", b"two", EARLY, None),
            ("Bo Chen_78_assignsubmission_file_/convolutions.ipynb", b"bo", EARLY, None),
        ],
    )
    report = import_submissions(download, course, ASSIGNMENT)
    assert list(report.imported) == ["78"] and submitted(course, "78") == b"bo"
    assert not (course / "submitted" / "77").exists()
    assert "77: 2 different copies of convolutions.ipynb and nothing says which is later" in (
        format_report(report)
    )


def test_a_folder_from_nbgrader_collect_goes_through_the_intake(course, tmp_path):
    """submitted/ layout: links and FIFOs refused, timestamp.txt kept as written."""
    collected = tmp_path / "collected"
    ana = collected / "ana" / ASSIGNMENT
    ana.mkdir(parents=True)
    (ana / "convolutions.ipynb").write_bytes(b"ana's")
    (ana / "timestamp.txt").write_text("2026-01-11 10:00:00.000000 UTC")
    (ana / "secrets").symlink_to("/etc/passwd")
    os.mkfifo(ana / "pipe")
    report = import_submissions(collected, course, ASSIGNMENT)
    assert list(report.imported) == ["ana"]
    assert sorted(os.listdir(course / "submitted" / "ana" / ASSIGNMENT)) == [
        "convolutions.ipynb",
        "timestamp.txt",
    ]
    text = format_report(report)
    assert "refused ana/convolutions/secrets: a symbolic link" in text
    assert "refused ana/convolutions/pipe: a named pipe (FIFO)" in text


def test_every_lms_pattern_names_a_student_and_a_notebook():
    import re

    names = {
        "Canvas": "smithjane_LATE_4101_9002_convolutions-1.ipynb",
        "Moodle": "Ana Lima_77_assignsubmission_file_/convolutions.ipynb",
        "Blackboard": "Conv_bitdiddle_attempt_2026-01-12-18-30-00_convolutions.ipynb",
    }
    for lms, pattern in LMS_NAMES.items():
        found = re.match(pattern, names[lms]).groupdict()
        assert found["file_id"] == "convolutions" and found["student_id"], lms


# Files one student hands in, named like someone else's: by each LMS, the owner's prefix or
# folder, then what the student chose. Each must stay with its owner (the first student id).
IMITATIONS = {
    "Moodle folders": [
        "Alice Jones_111_assignsubmission_file_/Bob Smith_222_assignsubmission_file_/"
        "convolutions.ipynb",
        "Alice Jones_111_assignsubmission_file_/bob_222_9_convolutions.ipynb",
        "Alice Jones_111_assignsubmission_file_/Conv_222_attempt_2030-01-01-00-00-00_"
        "convolutions.ipynb",
    ],
    "Moodle file names": [
        "Alice Jones_111_assignsubmission_file_Bob Smith_222_assignsubmission_file_"
        "convolutions.ipynb",
        "Alice Jones_111_assignsubmission_file_x_222_attempt_2030-01-01-00-00-00_"
        "convolutions.ipynb",
    ],
    "Canvas": [
        "jonesalice_111_901_Bob Smith_222_assignsubmission_file_convolutions.ipynb",
        "jonesalice_111_902_Conv_222_attempt_2030-01-01-00-00-00_convolutions.ipynb",
        "jonesalice_111_903_smithbob_222_904_convolutions.ipynb",
    ],
    "Blackboard": [
        "Conv_111_attempt_2026-01-12-18-30-00_Bob Smith_222_assignsubmission_file_"
        "convolutions.ipynb",
        "Conv_111_attempt_2026-01-12-18-30-01_x_222_attempt_2030-01-01-00-00-00_convolutions.ipynb",
    ],
}
VICTIM = {
    "Moodle folders": "Bob Smith_222_assignsubmission_file_/convolutions.ipynb",
    "Moodle file names": "Bob Smith_222_assignsubmission_file_convolutions.ipynb",
    "Canvas": "smithbob_222_905_convolutions.ipynb",
    "Blackboard": "Conv_222_attempt_2026-01-11-09-00-00_convolutions.ipynb",
}


@pytest.mark.parametrize("lms", sorted(IMITATIONS))
def test_a_file_named_like_another_students_stays_with_its_owner(course, tmp_path, lms):
    """Whatever a student names their file (or folder), it is theirs: the name they chose
    comes after the owner the LMS wrote, and may imitate any LMS's names for anyone."""
    members = [(VICTIM[lms], b"bob's own work", EARLY, None)]
    members += [
        (name, f"alice's {n}".encode(), LATE, None) for n, name in enumerate(IMITATIONS[lms])
    ]
    report = import_submissions(write_zip(tmp_path / "lms.zip", members), course, ASSIGNMENT)
    assert sorted(report.imported) == ["111", "222"], format_report(report)
    bob = course / "submitted" / "222" / ASSIGNMENT
    assert sorted(p.name for p in bob.iterdir()) in (
        ["convolutions.ipynb"],
        ["convolutions.ipynb", "timestamp.txt"],
    )
    assert submitted(course, "222") == b"bob's own work"
    alice = course / "submitted" / "111" / ASSIGNMENT
    handed_in = {p.read_bytes() for p in alice.iterdir() if p.name != "timestamp.txt"}
    assert handed_in == {f"alice's {n}".encode() for n in range(len(IMITATIONS[lms]))}


def test_a_download_zipped_again_inside_a_folder_is_read_inside_it(course, tmp_path):
    download = write_zip(
        tmp_path / "again.zip",
        [
            ("Downloads/canvas/smithjane_4101_9001_convolutions.ipynb", b"jane", None, None),
            ("Downloads/canvas/doejohn_4102_9003_convolutions.ipynb", b"john", None, None),
        ],
    )
    report = import_submissions(download, course, ASSIGNMENT)
    assert sorted(report.imported) == ["4101", "4102"], format_report(report)
    assert submitted(course, "4101") == b"jane" and submitted(course, "4102") == b"john"


def test_make_import_refuses_outside_a_course_and_a_missing_download(course, tmp_path):
    run = convgrade(tmp_path, "import", "nowhere.zip", timeout=120)
    assert run.returncode == 2 and "not a course folder" in run.stderr
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copy(REPO / "gradebook.db", course)
    run = convgrade(course, "import", "nowhere.zip", timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip() == "convgrade: cannot import: nowhere.zip does not exist"


# ---- which layout a folder is: decided from all of it ---------------------------------------
MIDDLE = (2026, 1, 11, 12, 0, 0)
MOODLE_CLASS = {"Ada Lovelace": 101, "Bob Stone": 102, "Cy Young": 103}


def moodle_folder(root, hand_in):
    """An unpacked Moodle download of three students, plus Mallory (104), whose hand-in
    `hand_in(folder)` makes inside her own folder."""
    for name, uid in MOODLE_CLASS.items():
        folder = root / f"{name}_{uid}_assignsubmission_file_"
        folder.mkdir(parents=True)
        (folder / "convolutions.ipynb").write_bytes(name.encode())
    mallory = root / "Mallory_104_assignsubmission_file_"
    mallory.mkdir()
    hand_in(mallory)
    return root


def put(path, data=b"mallory's"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


HAND_INS = {
    "a folder named like the assignment": lambda m: put(m / ASSIGNMENT / "convolutions.ipynb"),
    "nested folders named like it": lambda m: put(
        m / ASSIGNMENT / ASSIGNMENT / "convolutions.ipynb"
    ),
    "that folder beside the notebook": lambda m: (
        put(m / "convolutions.ipynb"),
        put(m / ASSIGNMENT / "figures.py", b"print(1)"),
    ),
}


@pytest.mark.parametrize("hand_in", sorted(HAND_INS))
def test_a_student_folder_named_like_the_assignment_is_still_an_lms_download(
    course, tmp_path, hand_in
):
    """Mallory hands in a folder named `convolutions/`: the download is still read as
    Moodle's, everyone is imported under their own id, and her file stays hers."""
    download = moodle_folder(tmp_path / "moodle", HAND_INS[hand_in])
    report = import_submissions(download, course, ASSIGNMENT)
    assert sorted(report.imported) == ["101", "102", "103", "104"], format_report(report)
    assert sorted(os.listdir(course / "submitted")) == ["101", "102", "103", "104"]
    assert submitted(course, "104") == b"mallory's"
    assert submitted(course, "102") == b"Bob Stone"


def test_a_linked_folder_named_like_the_assignment_is_refused_and_named(course, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    put(elsewhere / "convolutions.ipynb")
    download = moodle_folder(tmp_path / "moodle", lambda m: (m / ASSIGNMENT).symlink_to(elsewhere))
    report = import_submissions(download, course, ASSIGNMENT)
    assert sorted(report.imported) == ["101", "102", "103"], format_report(report)
    assert (
        f"refused Mallory_104_assignsubmission_file_/{ASSIGNMENT}: a symbolic link"
        in report.left_out
    )
    assert not report.complete


def test_a_lone_student_folder_named_like_the_assignment_keeps_its_lms_id(course, tmp_path):
    download = tmp_path / "moodle"
    put(download / "Mallory_104_assignsubmission_file_" / ASSIGNMENT / "convolutions.ipynb")
    report = import_submissions(download, course, ASSIGNMENT)
    assert list(report.imported) == ["104"], format_report(report)


LMS_ENTRIES = {
    "Moodle folder": "Bo Chen_78_assignsubmission_file_/convolutions.ipynb",
    "Moodle file": "Bo Chen_78_assignsubmission_file_convolutions.ipynb",
    "Canvas file": "chenbo_78_9001_convolutions.ipynb",
    "Blackboard file": "Conv_bchen_attempt_2026-01-12-18-30-00_convolutions.ipynb",
}


@pytest.mark.parametrize("lms", sorted(LMS_ENTRIES))
def test_a_folder_mixing_an_lms_download_with_collect_folders_is_refused(course, tmp_path, lms):
    """One line, what was found and what to do; nothing imported, nobody dropped silently."""
    mixed = tmp_path / "mixed"
    put(mixed / "ana" / ASSIGNMENT / "convolutions.ipynb", b"ana's")
    put(mixed / LMS_ENTRIES[lms], b"bo's")
    with pytest.raises(ImportRefused) as refused:
        import_submissions(mixed, course, ASSIGNMENT)
    message = str(refused.value)
    assert "\n" not in message
    assert "mixes an LMS download" in message and "such as ana/" in message
    assert "import each from a folder of its own" in message
    assert not (course / "submitted").exists()


def test_a_collect_folder_names_every_entry_it_does_not_import(course, tmp_path):
    """Files and folders beside the <student>/<assignment>/ folders are named; a student's
    own file named like an LMS's stays in that student's folder."""
    collected = tmp_path / "collected"
    put(collected / "ana" / ASSIGNMENT / "convolutions.ipynb", b"ana's")
    put(collected / "ana" / ASSIGNMENT / "chenbo_78_9001_convolutions.ipynb", b"ana's too")
    put(collected / "bo" / "other-assignment" / "x.ipynb", b"bo's")
    put(collected / "notes.txt", b"hi")
    report = import_submissions(collected, course, ASSIGNMENT)
    assert list(report.imported) == ["ana"]
    assert submitted(course, "ana", "chenbo_78_9001_convolutions.ipynb") == b"ana's too"
    assert report.left_out == [
        f"skipped bo: not a <student>/{ASSIGNMENT}/ folder",
        f"skipped notes.txt: not a <student>/{ASSIGNMENT}/ folder",
    ]


def test_the_course_folder_is_not_a_download(course, tmp_path):
    """The course itself, a folder holding it, any folder holding source/ or release/
    (another course's copy), or one of the course's own folders (graded copies in
    autograded/) is refused before anything is read."""
    (course / "release" / ASSIGNMENT).mkdir(parents=True)
    other = tmp_path / "other-course"
    put(other / "release" / ASSIGNMENT / "convolutions.ipynb")
    put(other / "submitted" / "ana" / ASSIGNMENT / "convolutions.ipynb")
    put(course / "autograded" / "ana" / ASSIGNMENT / "convolutions.ipynb")
    for source, said in [
        (course, "is the course folder"),
        (tmp_path, "is the course folder (or holds it)"),
        (other, f"holds release/{ASSIGNMENT}/: a course folder"),
        (course / "autograded", "is in the course's own autograded/ folder"),
    ]:
        with pytest.raises(ImportRefused, match=re.escape(said)):
            import_submissions(source, course, ASSIGNMENT)
        assert not (course / "submitted").exists()


# ---- which copy of a file is the latest ------------------------------------------------------
# Three copies of one notebook: the student handed in A, then B, then A again. The latest
# copy (A) must be kept, whichever order the download lists them in and although its bytes
# equal the first copy's, and the report must name that copy.
COPIES = {
    "Canvas": [  # Canvas numbers a file uploaded again under the same name -1, -2...
        ("doe_123_9001_convolutions-1.ipynb", b"B", EARLY),
        ("doe_123_9001_convolutions-2.ipynb", b"A", EARLY),
        ("doe_123_9001_convolutions.ipynb", b"A", EARLY),
    ],
    "Blackboard": [  # the attempt's time, in the name
        ("Conv_123_attempt_2026-01-12-18-30-00_convolutions.ipynb", b"A", EARLY),
        ("Conv_123_attempt_2026-01-11-12-00-00_convolutions.ipynb", b"B", EARLY),
        ("Conv_123_attempt_2026-01-10-09-00-00_convolutions.ipynb", b"A", EARLY),
    ],
    "Moodle": [  # the file's time in the archive
        ("Doe_123_assignsubmission_file_/convolutions.ipynb", b"A", LATE),
        ("Doe_123_assignsubmission_file_/v2/convolutions.ipynb", b"B", MIDDLE),
        ("Doe_123_assignsubmission_file_/v1/convolutions.ipynb", b"A", EARLY),
    ],
}
NEWEST = {
    "Canvas": "doe_123_9001_convolutions-2.ipynb",
    "Blackboard": "Conv_123_attempt_2026-01-12-18-30-00_convolutions.ipynb",
    "Moodle": "Doe_123_assignsubmission_file_/convolutions.ipynb",
}


def copies_download(tmp_path, lms, form, order):
    entries = [COPIES[lms][i] for i in order]
    if form == "zip":
        return write_zip(tmp_path / "copies.zip", [(n, d, w, None) for n, d, w in entries])
    folder = tmp_path / "copies"
    for name, data, when in entries:
        put(folder / name, data)
        stamp = datetime(*when).timestamp()
        os.utime(folder / name, (stamp, stamp))
    return folder


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
@pytest.mark.parametrize("lms", sorted(COPIES))
@pytest.mark.parametrize("form", ["zip", "unpacked folder"])
def test_the_newest_copy_is_kept_whatever_its_content(course, tmp_path, lms, form, order):
    download = copies_download(tmp_path, lms, form, order)
    report = import_submissions(download, course, ASSIGNMENT)
    assert list(report.imported) == ["123"], format_report(report)
    assert submitted(course, "123") == b"A"
    others = sorted(name for name, _, _ in COPIES[lms] if name != NEWEST[lms])
    assert sorted(line.split(":")[0].removeprefix("skipped ") for line in report.left_out) == (
        others
    )
    assert all(line.endswith(f"; kept {NEWEST[lms]}") for line in report.left_out)
    assert report.complete


def test_identical_copies_keep_the_newest_time_and_different_ties_stay_out(course, tmp_path):
    """Two identical Blackboard attempts: the later is kept, and timestamp.txt is its time.
    Different copies tied for the newest still leave their student out."""
    download = write_zip(
        tmp_path / "bb.zip",
        [
            ("Conv_bitdiddle_attempt_2026-01-12-18-30-00_convolutions.ipynb", b"x", None, None),
            ("Conv_bitdiddle_attempt_2026-01-10-09-00-00_convolutions.ipynb", b"x", None, None),
            ("doe_123_9001_convolutions-1.ipynb", b"A", EARLY, None),
            ("doe_123_9002_convolutions-1.ipynb", b"B", EARLY, None),
            ("doe_123_9003_convolutions.ipynb", b"C", LATE, None),
        ],
    )
    report = import_submissions(download, course, ASSIGNMENT)
    assert list(report.imported) == ["bitdiddle"]
    stamp = submitted(course, "bitdiddle", "timestamp.txt").decode()
    assert parse_utc(stamp) == datetime(2026, 1, 12, 18, 30, 0)
    assert report.left_out == [
        "skipped Conv_bitdiddle_attempt_2026-01-10-09-00-00_convolutions.ipynb: an earlier "
        "copy (the same file again); kept "
        "Conv_bitdiddle_attempt_2026-01-12-18-30-00_convolutions.ipynb"
    ]
    assert len(report.not_imported) == 1 and not report.complete
    assert report.not_imported[0].startswith(
        "123: 3 different copies of convolutions.ipynb and nothing says which is later"
    )


# ---- one student's trouble is that student's ------------------------------------------------
THREE = [
    ("ada_100_1_convolutions.ipynb", b"ada's"),
    ("bob_200_2_convolutions.ipynb", b"bob's"),
    ("cy_300_3_convolutions.ipynb", b"cy's"),
]


def blocking_file(relative):
    def make(root):
        target = root / relative
        if target.is_dir():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("in the way")

    return make


TROUBLES = {
    "a name too long for the filesystem": (
        None,
        "200: could not be written: a file name too long for this filesystem",
    ),
    "a file where the student's folder goes": (
        blocking_file("submitted/200"),
        "200: could not be written: a file where a folder should be (submitted/200)",
    ),
    "a file where the assignment folder goes": (
        blocking_file(f"submitted/200/{ASSIGNMENT}"),
        f"200: could not be written: a file where a folder should be (submitted/200/{ASSIGNMENT})",
    ),
}


@pytest.mark.parametrize("trouble", sorted(TROUBLES))
def test_a_student_that_cannot_be_written_is_left_out_and_the_rest_imported(
    course, tmp_path, trouble
):
    make, said = TROUBLES[trouble]
    members = list(THREE)
    if make is None:
        members[1] = ("bob_200_2_" + "卷积作业" * 25 + ".ipynb", b"bob's")  # 300 bytes
    else:
        make(course)
    report = import_submissions(
        write_zip(tmp_path / "class.zip", [(n, d, None, None) for n, d in members]),
        course,
        ASSIGNMENT,
    )
    assert sorted(report.imported) == ["100", "300"], format_report(report)
    assert len(report.not_imported) == 1 and report.not_imported[0].startswith(said)
    assert not report.complete
    assert not (course / ".convgrade" / "importing").exists()
    assert "note: 200" not in format_report(report)
    if make is None:  # no empty folder left in submitted/ for grading to find
        assert not (course / "submitted" / "200").exists()


def test_a_file_where_the_backups_go_keeps_the_old_submission_in_place(course, tmp_path):
    first = write_zip(tmp_path / "a.zip", [(n, d, None, None) for n, d in THREE])
    assert sorted(import_submissions(first, course, ASSIGNMENT).imported) == ["100", "200", "300"]
    (course / BACKUP_DIR).parent.mkdir(parents=True, exist_ok=True)
    (course / BACKUP_DIR).write_text("in the way")
    changed = [(n, d + b" v2", None, None) for n, d in THREE]
    report = import_submissions(
        write_zip(tmp_path / "b.zip", changed), course, ASSIGNMENT, force=True
    )
    assert report.imported == {} and len(report.not_imported) == 3
    assert report.not_imported[0] == (
        "100: could not be written: a file where a folder should be (.convgrade/backups)"
    )
    assert [submitted(course, s) for s in ("100", "200", "300")] == [d for _, d in THREE]


def test_a_file_where_the_staging_folder_goes_leaves_each_student_out_with_why(course, tmp_path):
    (course / ".convgrade").write_text("in the way")
    download = write_zip(tmp_path / "class.zip", [(n, d, None, None) for n, d in THREE])
    report = import_submissions(download, course, ASSIGNMENT)
    assert report.imported == {}
    assert report.not_imported == [
        f"{s}: could not be written: a file where a folder should be (.convgrade)"
        for s in ("100", "200", "300")
    ]


def test_forced_imports_in_the_same_second_keep_every_backup(course, tmp_path):
    now = datetime(2026, 2, 1, 8, 0, 0)
    for version in (b"v1", b"v2", b"v3"):
        download = write_zip(
            tmp_path / "a.zip", [("ana_4201_1_convolutions.ipynb", version, None, None)]
        )
        report = import_submissions(download, course, ASSIGNMENT, force=True, now=now)
        assert report.complete, format_report(report)
    assert submitted(course, "4201") == b"v3"
    backups = course / BACKUP_DIR
    kept = {p.relative_to(backups).parts[0]: p.read_bytes() for p in backups.rglob("*.ipynb")}
    assert kept == {"2026-02-01T08-00-00": b"v1", "2026-02-01T08-00-00-2": b"v2"}


def test_the_cli_prints_the_summary_and_a_one_line_refusal(course, tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copy(REPO / "gradebook.db", course)
    members = list(THREE)
    members[1] = ("bob_200_2_" + "卷积作业" * 25 + ".ipynb", b"bob's")
    download = write_zip(tmp_path / "class.zip", [(n, d, None, None) for n, d in members])
    run = convgrade(course, "import", str(download), timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.startswith("imported 2 submission(s) into submitted/: 100, 300\n")
    assert "not imported: 200: could not be written: a file name too long" in run.stdout
    run = convgrade(course, "import", ".", timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().startswith("convgrade: cannot import: . is the course folder")
    assert len(run.stderr.strip().splitlines()) == 1


# ---- the whole download's work is bounded ----------------------------------------------------
def overlapping_zip(path, entries, size):
    """A zip whose `entries` central-directory entries all point at one member of `size`
    zero bytes (the overlapping-entry zip bomb)."""
    name = b"bomb_999_1_convolutions.ipynb"
    raw = b"\0" * size
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = squeeze.compress(raw) + squeeze.flush()
    crc = zlib.crc32(raw)
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0
    )
    central = b"".join(
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 0x0314, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name),
            0, 0, 0, 0, 0o100644 << 16, 0,
        ) + name
        for _ in range(entries)
    )  # fmt: skip
    body = local + name + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(central), len(body), 0)
    path.write_bytes(body + central + end)
    return path


def test_entries_sharing_their_bytes_are_refused_whole(course, tmp_path):
    download = overlapping_zip(tmp_path / "bomb.zip", 50, 5000)
    config = Config({"Intake": {"max_notebook_bytes": 1000}})
    with pytest.raises(ImportRefused, match="entries that overlap"):
        import_submissions(download, course, ASSIGNMENT, config=config)


@pytest.mark.parametrize("form", ["zip", "unpacked folder"])
def test_refused_bytes_count_against_the_whole_downloads_cap(course, tmp_path, form):
    """Each oversized file still costs its reading up to the limit: that counts."""
    members = [(f"s{i}_{i}_1_convolutions.ipynb", b"x" * 2000) for i in range(10)]
    download = write_zip(tmp_path / "big.zip", [(n, d, None, None) for n, d in members])
    if form == "unpacked folder":
        with zipfile.ZipFile(download) as archive:
            archive.extractall(tmp_path / "big")
        download = tmp_path / "big"
    config = Config({"Intake": {"max_notebook_bytes": 1000}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect, "MAX_ARCHIVE_BYTES", 5000)
        with pytest.raises(ImportRefused, match="more than 5000 byte"):
            import_submissions(download, course, ASSIGNMENT, config=config)
    assert not (course / "submitted").exists()


def test_a_download_of_refusals_stops_with_one_line(course, tmp_path):
    links = [
        (f"s{i}_{i}_1_convolutions.ipynb", b"/etc/passwd", None, stat.S_IFLNK | 0o777)
        for i in range(40)
    ]
    download = write_zip(tmp_path / "links.zip", links)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect, "MAX_REFUSED", 10)
        with pytest.raises(ImportRefused, match="over 10 entries of the download refused"):
            import_submissions(download, course, ASSIGNMENT)
    assert not (course / "submitted").exists()


def test_an_unpacked_download_counts_its_entries(course, tmp_path):
    folder = tmp_path / "many"
    for i in range(30):
        put(folder / f"s{i}_{i}_1_notes.txt", b"x")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect, "MAX_ARCHIVE_ENTRIES", 20)
        with pytest.raises(ImportRefused, match="over 20 entries"):
            import_submissions(folder, course, ASSIGNMENT)


def test_files_that_are_not_notebooks_are_counted_past_a_few(course, tmp_path):
    pictures = [(f"ana_4101_9001_plot{i}.png", b"png", None, None) for i in range(10)]
    notebook = ("ana_4101_9001_convolutions.ipynb", b"ana's", None, None)
    download = write_zip(tmp_path / "pics.zip", [notebook, *pictures])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collect, "MAX_OTHERS_NAMED", 3)
        report = import_submissions(download, course, ASSIGNMENT)
        text = format_report(report)
    assert list(report.imported) == ["4101"] and report.complete
    assert text.count(": not a notebook") == 3
    assert text.endswith(
        "skipped 7 more files that are not notebooks (the last: ana_4101_9001_plot9.png)"
    )


def test_a_name_listed_twice_is_named_once_kept(course, tmp_path):
    """The same entry twice in a zip (identical, or an older and a newer under one name):
    the second listing is named, and the newer is kept."""
    with pytest.warns(UserWarning, match="Duplicate name"):
        download = write_zip(
            tmp_path / "twice.zip",
            [
                ("ana_4101_9001_convolutions.ipynb", b"same", None, None),
                ("ana_4101_9001_convolutions.ipynb", b"same", None, None),
                ("bo_4102_9002_convolutions.ipynb", b"new", LATE, None),
                ("bo_4102_9002_convolutions.ipynb", b"old", EARLY, None),
            ],
        )
    report = import_submissions(download, course, ASSIGNMENT)
    assert submitted(course, "4101") == b"same" and submitted(course, "4102") == b"new"
    assert report.left_out == [
        "skipped ana_4101_9001_convolutions.ipynb: the same file listed again; kept once",
        "skipped bo_4102_9002_convolutions.ipynb: an earlier copy listed under the same name; "
        "kept the later one",
    ]


def test_a_zip_whose_list_of_entries_is_damaged_is_one_line(course, tmp_path):
    download = write_zip(
        tmp_path / "damaged.zip", [("ana_4101_9001_convolutions.ipynb", b"ana's", None, None)]
    )
    data = download.read_bytes()
    assert data.count(b"PK\x01\x02") == 1  # the central directory's one entry
    download.write_bytes(data.replace(b"PK\x01\x02", b"PK\xff\xff"))
    with pytest.raises(ImportRefused, match="cannot be read as a zip"):
        import_submissions(download, course, ASSIGNMENT)


def test_canvas_late_marks_are_reported_since_the_download_has_no_time(course, tmp_path):
    """Canvas writes LATE_ into a late file's name but no time: the import names those
    students (only where the copy it kept is the late one) and says how to apply a penalty,
    instead of dropping the mark in silence."""
    members = [
        ("smithjane_4101_9001_convolutions.ipynb", b"on time", None, None),
        ("smithjane_LATE_4101_9002_convolutions-1.ipynb", b"late again", None, None),
        ("doejohn_LATE_4102_9003_convolutions.ipynb", b"late", None, None),
        ("roeanna_4103_9004_convolutions.ipynb", b"on time", None, None),
    ]
    members += [
        (f"late{n}_LATE_{5000 + n}_9{n:03d}_convolutions.ipynb", b"x", None, None)
        for n in range(11)
    ]
    report = import_submissions(write_zip(tmp_path / "canvas.zip", members), course, ASSIGNMENT)

    assert len(report.imported) == 14
    late_notes = [note for note in report.notes if note.startswith("marked late")]
    assert late_notes == [
        "marked late by the LMS, with no time in the download: 4101, 4102, 5000, 5001, 5002, "
        "5003, 5004, 5005, 5006, 5007 and 3 more. No late penalty can be applied to them. To "
        "apply one, write each submission's time into "
        "submitted/<student>/<assignment>/timestamp.txt (for example 2026-01-12 18:30:00) and "
        "grade again"
    ]
    assert "note: marked late by the LMS" in format_report(report)
    assert not (course / "submitted" / "4102" / ASSIGNMENT / "timestamp.txt").exists()


def test_no_late_note_when_the_kept_copy_is_on_time_or_has_its_time(course, tmp_path):
    """A late copy that a later upload replaced needs no note: the kept copy is on time."""
    canvas = write_zip(
        tmp_path / "canvas.zip",
        [
            ("smithjane_LATE_4101_9001_convolutions.ipynb", b"late", None, None),
            ("smithjane_4101_9002_convolutions-1.ipynb", b"later", None, None),
        ],
    )
    report = import_submissions(canvas, course, ASSIGNMENT)
    assert submitted(course, "4101") == b"later"
    assert not [note for note in report.notes if note.startswith("marked late")]
