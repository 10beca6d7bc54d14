"""The class report, made from a copy of the graded sample class."""

import doctest
import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from graded_sample import copy_graded_sample
from nbgrader.api import Gradebook

from convgrade.contract import Mistake
from convgrade.reports import class_page, tasks
from convgrade.reports.class_page import StudentRow, collect, write_report
from convgrade.reports.results import TaskScore

ASSIGNMENT = "convolutions"
HOSTILE_NAME = '<img src=x onerror="alert(1)">'


class Page(HTMLParser):
    """The report's tables as text, its links and any tag a student could have injected."""

    def __init__(self, text):
        super().__init__()
        self.links, self.tags, self.rows, self._row, self._cell = [], [], [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs)["href"])
        elif tag == "tr":
            self._row = []
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row.append(self._cell)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def table_rows(self):
        return [[" ".join(" ".join(c).split()) for c in row] for row in self.rows]


def gradebook_scores(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The graded sample class and its report, as an instructor finds them."""
    root = copy_graded_sample(tmp_path_factory.mktemp("class") / "course")
    output = write_report(root, root / "reports" / f"{ASSIGNMENT}.html")
    return root, output, output.read_text()


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """The sample class with one notebook saved under another name and one unreadable."""
    root = copy_graded_sample(tmp_path_factory.mktemp("damaged") / "course")
    # half-done saved their notebook as 'convolutions (1).ipynb' (and a file with a hostile name).
    folder = root / "submitted" / "half-done" / ASSIGNMENT
    (folder / f"{ASSIGNMENT}.ipynb").rename(folder / f"{ASSIGNMENT} (1).ipynb")
    (folder / f"{HOSTILE_NAME}.ipynb").write_text("{}")
    (root / "autograded" / "half-done" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").unlink()
    # complete's file could not be read: grading left a stand-in with the reason recorded.
    path = root / "autograded" / "complete" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    notebook.metadata["convgrade"] = {"unreadable": "the file is not JSON"}
    nbformat.write(notebook, str(path))
    output = write_report(root, root / "reports" / f"{ASSIGNMENT}.html")
    return root, output.read_text()


def test_do_the_docstring_examples_run():
    for module in (tasks, class_page):
        assert doctest.testmod(module).failed == 0


def test_does_each_student_row_show_score_task_points_and_a_working_feedback_link(sample):
    root, output, text = sample
    page = Page(text)
    rows = page.table_rows()
    header = next(row for row in rows if row and row[0] == "student")
    assert "1. The sliding window of 15" in header and "5. Colour of 2" in header
    by_student = {row[0]: row for row in rows if row and row[0] in gradebook_scores(root)}
    assert sorted(by_student) == sorted(gradebook_scores(root))
    for student, score in gradebook_scores(root).items():
        assert by_student[student][1].startswith(f"{score:g} / 26")
    flipped = dict(zip(header, by_student["flipped-kernel"], strict=True))
    assert flipped["1. The sliding window of 15"] == "6"
    assert flipped["named mistakes"] == "flipped kernel"
    assert flipped["6. Why does the edge kernel find edges? of 2"] == "awaiting TA"
    feedback = [link for link in page.links if "feedback" in link]
    assert len(feedback) == len(by_student)
    for link in feedback:
        assert (output.parent / unquote(link)).resolve().is_file(), link


def test_are_failures_grouped_by_task_under_readable_names(sample):
    _, _, text = sample
    failures = text[text.index("Hidden checks failed, by task") :]
    assert "test_" not in failures and "[uint8_c]" not in failures
    titles = re.findall(r'<th colspan="2" class="task">([^<]*)</th>', failures)
    assert titles == [
        "1. The sliding window",
        "2. The kernel decides what happens",
        "3. From numbers back to pixels",
        "4. The gallery: one loop, many effects",
        "5. Colour",
    ]
    # uint8-wraparound and flipped-kernel fail a uint8 case, untouched fails them all: 3 of 5.
    assert re.search(r"<td>uint8 images do not wrap</td><td>[^%]*> 60%", failures)


def test_does_the_report_say_who_made_which_mistake(sample):
    _, _, text = sample
    mistakes = text[text.index("Named mistakes: who made them") :]
    assert "<b>flipped kernel</b> (1): flipped-kernel" in mistakes
    assert "<b>uint8 wrap-around</b> (1): uint8-wraparound" in mistakes


def test_are_unreadable_and_misnamed_notebooks_flagged_and_left_out_of_the_statistics(damaged):
    root, text = damaged
    scores = gradebook_scores(root)
    counted = [s for s in scores if s not in ("complete", "half-done")]
    mean = sum(scores[s] for s in counted) / len(counted)
    assert f"5 submissions; 3 counted, mean score {mean:.2f}" in text
    assert "2 left out of the statistics" in text
    assert "Share of the 3 counted students" in text
    rows = {row[0].split(" ")[0]: row for row in Page(text).table_rows() if row}
    assert "unreadable: the file is not JSON" in rows["complete"][0]
    assert f"{ASSIGNMENT}.ipynb missing; found: " in rows["half-done"][0]
    assert f"{ASSIGNMENT} (1).ipynb" in rows["half-done"][0]
    # half-done is left out: no mistake or failure is counted for them.
    results = collect(root, ASSIGNMENT)
    assert {r.student for r in results.counted} == set(counted)
    assert all("half-done" not in passed for passed in results.outcomes.values())


def test_is_a_file_name_chosen_by_a_student_shown_as_text(damaged):
    _, text = damaged
    assert HOSTILE_NAME not in text and "onerror" not in Page(text).tags
    assert html.escape(HOSTILE_NAME) in text
    assert set(Page(text).tags) <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "img", "table",
        "tr", "th", "td", "br", "small", "b", "a", "span", "ul", "li",
    }  # fmt: skip


def test_are_hostile_names_in_a_row_escaped():
    row = StudentRow(
        student="<script>alert(1)</script>",
        score=3,
        max_score=26,
        tasks={"1. The sliding window": TaskScore("1. The sliding window", 3, 15)},
        mistakes=[Mistake.CLIPPED],
        problems=["crashed: <b onmouseover=x>\x1b[31m"],
        flag="unreadable: <iframe>",
    )
    results = class_page.ClassResults(ASSIGNMENT, [row], {"1. The sliding window": 15}, {})
    table = class_page._student_table(results, Path("."))
    assert "<script" not in table and "<iframe" not in table and "<b onmouseover" not in table
    assert "\x1b" not in table and "&lt;script&gt;" in table


def test_does_the_histogram_count_whole_students_on_whole_points():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    class_page.draw_score_histogram(ax, [0, 14.2, 15.9, 20, 24, 24], 26)
    ax.figure.canvas.draw()
    for ticks in (ax.get_xticks(), ax.get_yticks()):
        assert all(float(t).is_integer() for t in ticks)
    assert max(ax.get_yticks()) >= 2  # the two 24s share a bar


def test_a_forgiven_knock_on_is_not_counted_as_a_students_mistake():
    """A colour check passed with the note "fix convolve first": the report names the
    convolve mistake (from the failed check), not the note."""
    from convgrade.contract import RECORD_KEY
    from convgrade.reports.results import notebook_mistakes

    def test_cell(grade_id, checks):
        cell = nbformat.v4.new_code_cell("")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id}
        cell.metadata[RECORD_KEY] = {"checks": checks}
        return cell

    def check(name, passed, mistake, also=()):
        return {
            "name": name,
            "passed": passed,
            "misconception": mistake,
            "message": "m",
            "also": list(also),
        }

    notebook = nbformat.v4.new_notebook(
        cells=[
            test_cell(
                "check_convolve_small_values",
                [
                    check("test_values", False, "flipped kernel", ["transposed kernel"]),
                ],
            ),
            test_cell(
                "check_convolve_color",
                [
                    check("test_color", True, "fix convolve first"),
                    check("test_plain", True, None),
                ],
            ),
        ]
    )
    assert notebook_mistakes(notebook) == [Mistake.FLIPPED_KERNEL, Mistake.TRANSPOSED_KERNEL]
    # On a second input the flip no longer looks like a transpose: only the flip is counted.
    notebook.cells[0].metadata[RECORD_KEY]["checks"].append(
        check("test_photo", False, "flipped kernel")
    )
    assert notebook_mistakes(notebook) == [Mistake.FLIPPED_KERNEL]
    # A transposed patch is never told apart from a transposed kernel: both always counted.
    notebook.cells[0].metadata[RECORD_KEY]["checks"] = [
        check(f"test_{n}", False, "transposed kernel", ["patch transposed"]) for n in range(2)
    ]
    assert notebook_mistakes(notebook) == [Mistake.TRANSPOSED_KERNEL, Mistake.PATCH_TRANSPOSED]


@pytest.mark.parametrize("fixture", ["sample", "damaged"])
def test_is_the_report_made_from_the_records_alone_the_same(fixture, request, monkeypatch):
    """The report keeps only the notebooks' records in memory, not their outputs (pictures,
    about a megabyte a student); the page is the one the whole notebooks give."""
    from convgrade.reports import gradebook_table

    root = request.getfixturevalue(fixture)[0]
    first = next(gradebook_table.autograded_notebooks(root / "autograded", ASSIGNMENT))[1]
    assert first.cells and all(set(cell) == {"cell_type", "metadata"} for cell in first.cells)
    kept = write_report(root, root / "reports" / "records.html").read_text()
    monkeypatch.setattr(gradebook_table, "records_only", lambda notebook: notebook)
    monkeypatch.setattr(gradebook_table, "_read", {})  # nothing remembered from the first
    whole = write_report(root, root / "reports" / "whole.html").read_text()
    assert kept == whole


def test_are_unchanged_notebooks_read_once_and_changed_ones_again(tmp_path, monkeypatch):
    """The end of `convgrade grade` reads the class's records for the problem list, and again
    for the report (and reports.ahead before both): a file is parsed again only once it
    changed. Grading replaces a notebook with a new file (a new inode), so a regraded one is
    read again even at the same size and modification time."""
    from convgrade.reports import gradebook_table

    monkeypatch.setattr(gradebook_table, "_read", {})
    parsed = []
    real_reads = nbformat.v4.reads
    monkeypatch.setattr(nbformat.v4, "reads", lambda text: parsed.append(1) or real_reads(text))
    folder = tmp_path / "autograded" / "amy" / ASSIGNMENT
    folder.mkdir(parents=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.v4.new_notebook(metadata={"convgrade": {"seconds": 1.0}})
    path.write_text(nbformat.writes(notebook))

    def seconds():
        found = dict(gradebook_table.autograded_notebooks(tmp_path / "autograded", ASSIGNMENT))
        return found["amy"].metadata["convgrade"]["seconds"]

    assert (seconds(), seconds(), len(parsed)) == (1.0, 1.0, 1)
    stat = path.stat()
    notebook.metadata["convgrade"]["seconds"] = 2.0  # same length
    replacement = folder / "new.partial"
    replacement.write_text(nbformat.writes(notebook))
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    replacement.replace(path)
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert (seconds(), len(parsed)) == (2.0, 2)
    notebook.metadata["convgrade"]["seconds"] = 3.0  # rewritten in place, a moment later
    path.write_text(nbformat.writes(notebook))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert (seconds(), len(parsed)) == (3.0, 3)
    path.write_text("{broken")
    assert "unusable" in dict(gradebook_table.autograded_notebooks(folder.parents[1]))["amy"]


def test_does_the_head_start_read_the_records_and_never_raise(sample, monkeypatch):
    from convgrade.reports import ahead, gradebook_table

    root = sample[0]
    monkeypatch.setattr(gradebook_table, "_read", {})
    ahead.start(root, ASSIGNMENT).join(timeout=60)
    assert {path.parts[-3] for path in gradebook_table._read} == set(
        p.name for p in (root / "autograded").iterdir()
    )

    def broken(*args):
        raise RuntimeError("a damaged course")

    monkeypatch.setattr(gradebook_table, "autograded_notebooks", broken)
    ahead._prepare(root, ASSIGNMENT)  # only a head start: it must not raise
