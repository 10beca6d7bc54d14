"""Unit tests of SafeFeedbackExporter, configured as `nbgrader generate_feedback` configures
its exporter: which template makes the page, when the summary is computed, and that the body
is cleaned whole while the template's head is kept. (The summary's content is tested with
real grading in tests/test_feedback_page.py; the cleaning policy in tests/test_rendering.py.)"""

import copy
import json
import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_notebook
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.tests import create_grade_and_solution_cell
from support import REPO

from convgrade.feedback import safe_html
from convgrade.feedback.safe_html import SafeFeedbackExporter

SUMMARY = {
    "total": "Score: 1 / 3",
    "tasks": [{"title": "1. <i>Written</i>", "points": "1 / 3"}],
    "fix_first": "1. <i>Written</i>: 2 of 3 points lost.",
    "mistakes": [],
    "awaiting": [],
}
STUDENT_MARKDOWN = "<script>alert(1)</script><b onclick='steal()'>my answer</b>"


@pytest.fixture(scope="module")
def generate_feedback(tmp_path_factory):
    """nbgrader's own feedback app: it sets the exporter's template and template folders."""
    root = tmp_path_factory.mktemp("course")
    return GenerateFeedback(coursedir=CourseDirectory(root=str(root)))


@pytest.fixture
def summary_calls(monkeypatch):
    calls = []

    def summary_for(nb, grades, course_root):
        calls.append((grades, course_root))
        return SUMMARY

    monkeypatch.setattr(safe_html, "summary_for", summary_for)
    return calls


def graded_notebook():
    cell = create_grade_and_solution_cell(STUDENT_MARKDOWN, "markdown", "written", 3)
    cell.metadata.nbgrader["score"] = 1.0
    return new_notebook(cells=[cell])


def nbgrader_resources(**extra):
    """What nbgrader's GetGrades leaves in resources["nbgrader"] for the feedback template."""
    grades = {"notebook": "hw", "assignment": "ps1", "student": "bob", "score": 1.0}
    return {"nbgrader": grades | {"max_score": 3.0, "late_penalty": 0} | extra}


def export(generate_feedback, resources, **settings):
    exporter = SafeFeedbackExporter(
        parent=generate_feedback, config=generate_feedback.config, **settings
    )
    page, _ = exporter.from_notebook_node(graded_notebook(), resources)
    return exporter, page


def split(page):
    head, _, body = page.partition("<body")
    return head, body


def test_does_nbgraders_feedback_template_become_the_summary_page(generate_feedback, summary_calls):
    resources = nbgrader_resources(db_url="sqlite:///gradebook.db")
    exporter, page = export(generate_feedback, resources)
    assert exporter.template_name == "convgrade_feedback"
    assert summary_calls == [(resources["nbgrader"], generate_feedback.coursedir.root)]
    _, body = split(page)
    assert "<h4>hw (Score: 1 / 3)</h4>" in body
    assert "<td>1. &lt;i&gt;Written&lt;/i&gt;</td><td>1 / 3</td>" in body
    assert "<b>Fix first:</b> 1. &lt;i&gt;Written&lt;/i&gt;: 2 of 3 points lost." in body


def test_is_the_body_cleaned_whole_and_the_templates_head_kept(generate_feedback, summary_calls):
    _, page = export(generate_feedback, nbgrader_resources(db_url="sqlite:///gradebook.db"))
    head, body = split(page)
    assert "<script" not in body and "onclick" not in body and "alert(1)" not in body
    assert "<b>my answer</b>" in body
    assert "<style" in head and "<title>hw</title>" in head
    # Formulas are MathML already: the head loads no MathJax, from a CDN or anywhere.
    assert not re.search(r"<script[^>]*>", head) and "MathJax.Hub" not in head


def test_is_no_summary_computed_without_a_gradebook(generate_feedback, summary_calls):
    """A page made outside generate_feedback (no db_url) is still made, from what it was given."""
    resources = nbgrader_resources() | {"convgrade": SUMMARY | {"total": "given"}}
    _, page = export(generate_feedback, resources)
    assert summary_calls == []
    assert "<h4>hw (given)</h4>" in page


def test_does_a_course_template_stay_and_its_body_get_cleaned_too(generate_feedback, summary_calls):
    exporter, page = export(
        generate_feedback,
        nbgrader_resources(db_url="sqlite:///gradebook.db"),
        template_name="classic",
    )
    assert exporter.template_name == "classic"
    assert summary_calls == []
    _, body = split(page)
    assert "convgrade-summary" not in body
    assert "<script" not in body and "onclick" not in body and "<b>my answer</b>" in body


def test_is_every_page_of_a_run_made_with_the_summary_template(generate_feedback, summary_calls):
    """nbconvert computes the template path once; the switch must hold for the next notebook."""
    exporter = SafeFeedbackExporter(parent=generate_feedback, config=generate_feedback.config)
    for _ in range(2):
        resources = nbgrader_resources(db_url="sqlite:///gradebook.db")
        page, _ = exporter.from_notebook_node(graded_notebook(), resources)
        assert "convgrade-summary" in page
    assert exporter.extra_template_basedirs.count(str(safe_html.FEEDBACK_TEMPLATES)) == 1


def test_is_a_page_without_a_body_cleaned_whole(tmp_path, generate_feedback):
    """With no <body> to tell head from content, nothing the template made is trusted."""
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "conf.json").write_text(json.dumps({"base_template": "base"}))
    (folder / "index.html.j2").write_text(
        "<script>template()</script>{% for cell in nb.cells %}{{ cell.source }}{% endfor %}"
    )
    exporter = SafeFeedbackExporter(template_name="bare", extra_template_basedirs=[str(tmp_path)])
    nb = new_notebook(cells=[new_markdown_cell(STUDENT_MARKDOWN)])
    page, _ = exporter.from_notebook_node(nb, {})
    assert page == "<b>my answer</b>"


class _ThroughNbconvertsSoup(SafeFeedbackExporter):
    """The exporter as it was: nbconvert's HTMLExporter.from_notebook_node, whose
    BeautifulSoup pass adds alt text and tab stops before the body is cleaned."""

    def _render(self, nb, resources, **kw):
        return HTMLExporter.from_notebook_node(self, nb, resources, **kw)


@pytest.mark.parametrize("template", [None, "classic", "lab"])
def test_is_the_page_the_one_nbconverts_own_html_pass_gives(
    generate_feedback, summary_calls, template
):
    """A real graded notebook (pictures, formulas, Markdown images without alt text): the
    page made without nbconvert's BeautifulSoup pass is the page made with it."""
    notebook = nbformat.read(REPO / "autograded/flipped-kernel/convolutions/convolutions.ipynb", 4)
    notebook.cells.append(
        new_markdown_cell('<img src="a.png"> <img src="b.png" title="x>y" alt="b">')
    )
    for cell in notebook.cells:  # what nbgrader's GetGrades puts there from the gradebook
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["score"] = cell.metadata.nbgrader["points"]
    pages = []
    for exporter_class in (SafeFeedbackExporter, _ThroughNbconvertsSoup):
        settings = {"template_name": template} if template else {}
        exporter = exporter_class(
            parent=generate_feedback, config=generate_feedback.config, **settings
        )
        resources = nbgrader_resources(db_url="sqlite:///gradebook.db")
        pages.append(exporter.from_notebook_node(copy.deepcopy(notebook), resources)[0])
    # Compared as BeautifulSoup writes them out, the way the old pass wrote the head: text
    # between tags that is only white space becomes one newline or space (not in <pre>),
    # and &nbsp; the character itself; a browser shows both alike.
    ours, soups = (str(BeautifulSoup(page, "html.parser")) for page in pages)
    assert ours == soups
    # A second page from the same exporter, its code coloured from what it remembers.
    again = SafeFeedbackExporter(
        parent=generate_feedback, config=generate_feedback.config, **settings
    )
    for _ in range(2):
        resources = nbgrader_resources(db_url="sqlite:///gradebook.db")
        page, _ = again.from_notebook_node(copy.deepcopy(notebook), resources)
        assert page == pages[0]
    assert len(pages[0]) > 100_000  # the pictures are in it
    assert f'<img src="a.png" alt="{safe_html.MISSING_ALT_TEXT}">' in pages[0]
    assert '<img src="b.png" title="x&gt;y" alt="b">' in pages[0]


def test_remembered_results_are_bounded_by_size_and_forget_the_oldest():
    calls = []
    remember = safe_html.Remembered(lambda text: calls.append(text) or text.upper(), 1000)
    assert remember("ab") == "AB" and remember("ab") == "AB" and calls == ["ab"]
    large = "x" * 60  # with its result, more than a twentieth of the bound: never kept
    remember(large)
    remember(large)
    assert calls.count(large) == 2
    for number in range(100):
        remember(f"{number:020d}")
    assert sum(chars for _, chars in remember._kept.values()) <= 1000
    calls.clear()
    remember("ab")
    assert calls == ["ab"]  # the least recently used was forgotten


def test_is_markdown_rendered_once_for_every_students_page(monkeypatch):
    """The same lesson cell on two students' pages (their own folders): rendered once."""
    rendered = []
    real = safe_html.render_markdown

    def counting(source, *args, **kwargs):
        rendered.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(safe_html, "render_markdown", counting)
    monkeypatch.setattr(
        safe_html, "_remembered_markdown", safe_html.Remembered(safe_html._render_markdown_alone)
    )
    pages = [
        safe_html.markdown2html(
            {"cell": {}, "resources": {"metadata": {"path": f"autograded/{student}/hw"}}},
            "A *kernel* $k$ <script>x()</script>",
        )
        for student in ("ada", "bob")
    ]
    assert pages[0] == pages[1] and "<script" not in pages[0] and "<math" in pages[0]
    assert len(rendered) == 1
