"""Does `make import` bring an LMS download or a collected folder into submitted/ safely:
odd names refused, the latest copy kept, nothing overwritten silently?"""

import os
import shutil
import stat
import tracemalloc
import zipfile
from datetime import datetime

import pytest
from nbgrader.utils import parse_utc
from support import REPO, SOURCE, convgrade
from traitlets.config import Config

from convgrade.intake.collect import (
    BACKUP_DIR,
    LMS_NAMES,
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
