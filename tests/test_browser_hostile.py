"""In a real browser: a hostile submission's feedback page and formgrader page run no script.

The submission (tests/catalog/hostile/render_image_metadata_attributes.py) displays a
picture whose output metadata carries unquoted-attribute handlers. If any of them ran, it
would retitle the page, set ``window.__owned``, press every full-credit button of the
formgrader (saving full marks through /formgrader/api/grade) and write ``owned.txt`` into
the course folder through /api/contents. It is graded with real `nbgrader autograde` and
`generate_feedback` in a throwaway copy of the course, then opened in headless Chromium:
as a feedback file, and in the formgrader of a real JupyterLab server. Each page is
checked against a control: the same payload rendered as the old configuration did, which
must run, so the checks are known to be able to fail.
"""

import shutil
import time

import nbformat
import pytest
from browser_support import HELPERS, chromium, lab_server, make_browser_course, screenshot
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from support import grade_rows, nbgrader, read_notebook
from tools import scenarios

pytestmark = pytest.mark.e2e

STUDENTS = ["render_image_metadata_attributes", "render_written_answer_links"]
LOAD_TIMEOUT = 90
SETTLE = 3.0  # seconds for any handler to fire after the page has loaded
OWNED_JS = """return {title: document.title, owned: typeof window.__owned !== 'undefined'};"""


def payload_js():
    """The script the hostile scenario tries to run, taken from the scenario itself."""
    namespace = {}
    source = scenarios.load(scenarios.CATALOG_DIR / "hostile" / f"{STUDENTS[0]}.py").cells
    code = next(iter(source.values()))
    exec(code.split("publish_display_data(")[0].replace("from IPython.display", "#"), namespace)
    return namespace["JS"], namespace["PNG"]


def legacy_notebook(notebook_path):
    """The autograded notebook as the old configuration left it: the picture's metadata
    and a written answer's raw HTML and script links still in it."""
    js, png = payload_js()
    notebook = read_notebook(notebook_path)
    printed = new_output(
        "display_data",
        data={"image/png": png, "text/plain": "a picture"},
        metadata={"image/png": {"width": "1 onerror=" + js, "height": "1 onload=" + js}},
    )
    notebook.cells.append(new_code_cell("# the student's cell", outputs=[printed]))
    notebook.cells.append(new_markdown_cell(f'[link](javascript:{js}) <img src=x onerror="{js}">'))
    return notebook


def legacy_page(notebook_path, out):
    """The notebook as the old configuration rendered it (SanitizeHTML, metadata kept),
    with the output the student's kernel printed: the payload live."""
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors.sanitize import SanitizeHTML
    from traitlets.config import Config

    config = Config({"SanitizeHTML": {"enabled": True, "strip": True}})
    exporter = HTMLExporter(config=config, template_name="classic")
    exporter.register_preprocessor(SanitizeHTML(config=config), enabled=True)
    html, _ = exporter.from_notebook_node(legacy_notebook(notebook_path))
    out.write_text(html)
    return out


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The graded sample class plus the hostile students, graded and given feedback."""
    root = make_browser_course(tmp_path_factory.mktemp("browser-hostile") / "course")
    release = root / "release" / "convolutions"
    for name in STUDENTS:
        scenario = scenarios.load(scenarios.CATALOG_DIR / "hostile" / f"{name}.py")
        scenarios.write_submission(scenario, root, name)
        folder = root / "submitted" / name / "convolutions"
        for helper in HELPERS:
            if (release / helper).is_dir():
                shutil.copytree(release / helper, folder / helper, dirs_exist_ok=True)
            else:
                shutil.copy(release / helper, folder / helper)
        nbgrader(root, "autograde", "convolutions", "--student", name)
        nbgrader(root, "generate_feedback", "convolutions", "--student", name)
    return root


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    with lab_server(course, tmp_path_factory.mktemp("jupyter-home")) as server:
        yield server


@pytest.fixture
def browser(tmp_path, request):
    failed_before = request.session.testsfailed
    with chromium(tmp_path / "chromium-profile") as driver:
        yield driver
        if request.session.testsfailed > failed_before:
            try:
                screenshot(driver, f"FAILED-{request.node.name}")
            except WebDriverException:
                pass


def wait_until(driver, condition, timeout, what):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


def settled(driver):
    wait_until(
        driver,
        lambda d: d.execute_script("return document.readyState") == "complete",
        LOAD_TIMEOUT,
        "the page to load",
    )
    time.sleep(SETTLE)
    return driver.execute_script(OWNED_JS)


def test_hostile_pages_are_from_real_grading(course):
    """The pages checked above came from real grading with the course's configuration."""
    notebook = nbformat.read(
        str(course / "autograded" / STUDENTS[0] / "convolutions" / "convolutions.ipynb"), 4
    )
    pictures = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert pictures, "the hostile picture should be in the autograded notebook"
    assert all(
        set(o.metadata.get("image/png", {})) <= {"alt"} and "width" not in o.metadata
        for o in pictures
        if o.data.get("text/plain") == "a picture"
    )


@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_page_runs_no_script(course, browser, student, tmp_path):
    """The feedback file opened in Chromium: title kept, no global set; the control runs."""
    page = course / "feedback" / student / "convolutions" / "convolutions.html"
    browser.get(page.as_uri())
    state = settled(browser)
    assert state == {"title": "convolutions", "owned": False}
    screenshot(browser, f"hostile-feedback-{student}")

    # Control: the same payload as the old configuration rendered it does run.
    control = legacy_page(
        course / "autograded" / student / "convolutions" / "convolutions.ipynb",
        tmp_path / "legacy.html",
    )
    browser.get(control.as_uri())
    assert settled(browser) == {"title": "owned", "owned": True}


def test_formgrader_page_runs_no_script_and_changes_no_grade(course, lab, browser):
    """The formgrader's page of the hostile submission, its autograded notebook replaced by
    one graded before SafeOutputs (payloads still in it): nothing runs, no grade changes, no
    file is written. Then the old rendering's payload, put in the same page, does all three."""
    student = STUDENTS[0]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission_id = gradebook.find_submission_notebook(
            "convolutions", "convolutions", student
        ).id
    before = grade_rows(course, student)
    assert any(manual is None for *_, manual in before), "the written answer starts ungraded"

    # An autograded notebook from before SafeOutputs: the server's own rendering must clean it.
    autograded = course / "autograded" / student / "convolutions" / "convolutions.ipynb"
    legacy = legacy_page(autograded, course.parent / "legacy.html").read_text()
    old = legacy_notebook(autograded)
    autograded.chmod(0o644)
    nbformat.write(old, str(autograded))

    browser.get(f"{lab.url}/formgrader?token={lab.token}")  # logs in
    wait_until(browser, lambda d: "/formgrader" in d.current_url, LOAD_TIMEOUT, "the login")
    browser.get(f"{lab.url}/formgrader/submissions/{submission_id}")
    wait_until(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "input.score"),
        LOAD_TIMEOUT,
        "the formgrader's grading page",
    )
    state = settled(browser)
    screenshot(browser, "hostile-formgrader")
    assert state == {"title": "convolutions", "owned": False}
    assert not (course / "owned.txt").exists()
    assert grade_rows(course, student) == before

    # Control: the old rendering's picture tag, put into this page, runs its payload.
    tag = next(t for t in legacy.split("<img")[1:] if "onload=" in t.split(">")[0])
    browser.execute_script(
        "document.body.insertAdjacentHTML('beforeend', arguments[0]);",
        "<img" + tag.split(">")[0] + ">",
    )
    wait_until(browser, lambda d: d.execute_script(OWNED_JS)["owned"], 10, "the control to run")
    wait_until(
        browser,
        lambda d: grade_rows(course, student) != before,
        30,
        "the control payload to save full credit through the formgrader",
    )
    wait_until(browser, lambda d: (course / "owned.txt").exists(), 30, "the control's file")
