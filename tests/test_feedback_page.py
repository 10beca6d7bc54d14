"""Feedback pages made by real `nbgrader generate_feedback` from the graded sample class."""

import doctest
import re
import shutil

import nbformat
import pytest
from graded_sample import copy_graded_sample
from nbformat.v4 import new_code_cell, new_output
from nbgrader.api import Gradebook
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from support import REPO, nbgrader
from traitlets.config.loader import PyFileConfigLoader

from convgrade.contract import Mistake
from convgrade.feedback import summary
from convgrade.feedback.safe_html import SafeFeedbackExporter
from convgrade.feedback.writer import write_feedback
from convgrade.reports import results

ASSIGNMENT = "convolutions"
TASKS = [
    ("1. The sliding window", "15 / 15"),
    ("2. The kernel decides what happens", "2 / 2"),
    ("3. From numbers back to pixels", "2 / 2"),
    ("4. The gallery: one loop, many effects", "3 / 3"),
    ("5. Colour", "2 / 2"),
    ("6. Why does the edge kernel find edges?", "awaiting grading (2 points)"),
]


def page(root, student):
    return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def summary_part(html):
    start = html.index('<div class="convgrade-summary">')
    return html[start : html.index("<ol>", start)]  # the table of contents follows


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The graded sample class, one heading of flipped-kernel's notebook edited by the student."""
    root = copy_graded_sample(tmp_path_factory.mktemp("feedback") / "course")
    path = root / "autograded" / "flipped-kernel" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## 1."):
            cell.source = "## 1. Full marks <script>alert(1)</script>"
    nbformat.write(notebook, str(path))
    nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    return root


def test_do_the_docstring_examples_run():
    for module in (summary, results):
        assert doctest.testmod(module).failed == 0


@pytest.mark.e2e
def test_does_an_answer_waiting_for_a_ta_say_so_and_the_total_say_what_it_includes(course):
    html = page(course, "complete")
    text = text_of(html)
    assert f"{ASSIGNMENT} (Score: 24 of 24 points graded so far; 2 points await a TA)" in text
    assert "Written response (awaiting grading: 2 points)" in text
    assert "awaiting grading: 2 points (Top)" in text  # the answer's own heading
    assert "Score: 0.0 / 2.0" not in text
    assert "Fix first" not in html  # nothing lost


@pytest.mark.e2e
def test_does_the_summary_give_points_per_task_the_mistakes_and_what_to_fix_first(course):
    complete = text_of(summary_part(page(course, "complete")))
    assert complete.startswith("Summary Task Points " + " ".join(f"{t} {p}" for t, p in TASKS))
    flipped = text_of(summary_part(page(course, "flipped-kernel")))
    # Colour keeps its points: its checks pass with the grader's convolve (the knock-on rule).
    assert "1. The sliding window 6 / 15" in flipped and "5. Colour 2 / 2" in flipped
    assert "Fix first: 1. The sliding window: 9 of 15 points lost." in flipped
    assert f"flipped kernel : {Mistake.FLIPPED_KERNEL.hint}" in flipped
    # Names that fit only some checks (a flip looks transposed on a symmetric kernel), and the
    # note of a forgiven colour check, are not the student's mistakes.
    for other in ("transposed kernel", "flipped left to right", "fix convolve first"):
        assert f"{other} :" not in flipped


@pytest.mark.e2e
def test_is_the_summary_built_from_the_gradebook_not_from_what_the_student_wrote(course):
    html = page(course, "flipped-kernel")
    assert "Full marks" not in summary_part(html)  # the title comes from source/
    body = html[html.index("<body") :]
    assert "<script" not in body.lower()  # the edited heading itself was cleaned by nh3
    assert "Full marks" in body  # what the student wrote is still shown, as their text


@pytest.mark.e2e
def test_does_a_ta_grade_replace_awaiting_grading_through_both_doors(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("edge_explanation", ASSIGNMENT, ASSIGNMENT, "complete")
        grade.manual_score = 1.5
        gradebook.db.commit()
    assert write_feedback(course, ASSIGNMENT, ["complete"]) == {}
    text = text_of(page(course, "complete"))
    assert f"{ASSIGNMENT} (Score: 25.5 / 26)" in text
    assert "awaiting grading" not in text
    assert "6. Why does the edge kernel find edges? 1.5 / 2" in text
    assert "Fix first: 6. Why does the edge kernel find edges?: 0.5 of 2 points lost." in text


@pytest.mark.e2e
def test_a_page_that_cannot_be_written_says_why(course, tmp_path):
    """nbgrader's own failure says only "Please see the above traceback", and nothing is
    above it (red team): the reason given is the exception nbgrader logged."""
    copy = tmp_path / "course"
    shutil.copytree(course, copy, symlinks=True)
    shutil.rmtree(copy / "feedback" / "complete")
    (copy / "feedback" / "complete").write_text("a file where a folder should be")
    errors = write_feedback(copy, ASSIGNMENT, ["complete"])
    assert list(errors) == ["complete"]
    assert (
        errors["complete"].startswith("NotADirectoryError: ")
        and "traceback" not in errors["complete"]
    )


# ---- formulas and pictures: a page read offline, within the window's width ------------------


def wide_picture_output():
    """A 1200x300 picture whose output metadata asks for 2400x50: wider than any window,
    and squashed if the attributes were obeyed."""
    import base64

    import imageio.v3 as iio
    import numpy as np

    pixels = np.tile(np.linspace(0, 255, 1200, dtype=np.uint8), (300, 1))
    encoded = base64.b64encode(iio.imwrite("<bytes>", pixels, extension=".png")).decode()
    return new_output(
        "display_data",
        data={"image/png": encoded, "text/plain": "a wide picture"},
        metadata={"image/png": {"width": 2400, "height": 50}},
    )


def page_without_grading(student, tmp_path):
    """The feedback page of a committed autograded notebook, made by the course's exporter,
    with a student's cell at the end that displays `wide_picture_output`."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    app = GenerateFeedback(coursedir=CourseDirectory(root=str(tmp_path)), config=config)
    notebook = nbformat.read(
        str(REPO / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4
    )
    notebook.cells.append(new_code_cell("show(wide)", outputs=[wide_picture_output()]))
    for cell in notebook.cells:
        grader = cell.metadata.get("nbgrader", {})
        if grader.get("grade") or grader.get("task"):
            grader["score"] = grader.get("points", 0)  # what nbgrader's GetGrades adds
    found = {"total": "", "tasks": [], "fix_first": "", "mistakes": [], "awaiting": []}
    grades = {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": student}
    resources = {
        "nbgrader": grades | {"score": 0.0, "max_score": 26.0, "late_penalty": 0},
        "convgrade": found,
    }
    html, _ = SafeFeedbackExporter(parent=app, config=app.config).from_notebook_node(
        notebook, resources
    )
    return html


def test_does_the_page_show_formulas_with_no_script_and_fit_its_pictures(tmp_path):
    """The lesson's $$...$$ is MathML; no MathJax from a CDN; pictures shrink to the page."""
    html = page_without_grading("uint8-wraparound", tmp_path)
    head, body = html.split("<body", 1)
    assert "<script" not in html.lower() and "cdnjs" not in html
    assert '<math display="block">' in body and "$$" not in text_of(body)
    assert "expected, yours and their difference" in body  # the grader's comparison figure
    rules = " ".join(head.split())
    assert ".panel-body img { max-width: 100%; height: auto; }" in rules
    assert ".panel-body .container { width: 100%;" in rules


LAYOUT_JS = """
const width = window.innerWidth;
const math = document.querySelector('math[display="block"]');
const box = math ? math.getBoundingClientRect() : null;
return {
  width: width,
  page: document.documentElement.scrollWidth,
  math: box ? [box.width, box.height] : null,
  images: [...document.querySelectorAll('img')].map(img => {
    const r = img.getBoundingClientRect();
    return [r.right, r.width, r.height, img.naturalWidth, img.naturalHeight];
  }),
};
"""


@pytest.mark.e2e
def test_in_a_browser_formulas_render_and_pictures_fit_the_window(tmp_path):
    """Chromium, 800 px wide, no network: a laid-out <math>; nothing wider than the window.

    The control is the same page without the template's styles: the gallery overflows.
    """
    from browser_support import chromium, screenshot

    html = page_without_grading("uint8-wraparound", tmp_path)
    styled = tmp_path / "styled.html"
    styled.write_text(html)
    unstyled = tmp_path / "unstyled.html"
    unstyled.write_text(
        re.sub(r"<style[^>]*>\s*/\* nbgrader's styles select.*?</style>", "", html, flags=re.S)
    )
    assert unstyled.read_text() != html
    with chromium(tmp_path / "profile", width=800, height=900) as browser:
        browser.get(unstyled.as_uri())
        control = browser.execute_script(LAYOUT_JS)
        browser.get(styled.as_uri())
        layout = browser.execute_script(LAYOUT_JS)
        screenshot(browser, "feedback-page-800px")
    assert control["page"] > control["width"], "the control should overflow the window"
    assert layout["page"] <= layout["width"], layout["page"]
    math_width, math_height = layout["math"]
    assert math_width > 100 and math_height > 10  # laid out as mathematics, not hidden
    assert len(layout["images"]) >= 4  # gallery, colour pictures, comparison, the wide one
    assert [1200, 300] in [image[3:] for image in layout["images"]]
    for right, width, height, natural_width, natural_height in layout["images"]:
        assert 0 < width and right <= layout["width"]
        assert abs(width / height - natural_width / natural_height) < 0.02 * width / height
