"""End to end in a real browser: what a student sees in JupyterLab, what a TA does in the
formgrader, and what `nbgrader validate` tells a student.

One JupyterLab server (with nbgrader's server extensions) serves a throwaway copy of the
course for the whole module; every test gets a fresh headless Chromium. Screenshots go to
tests/artifacts/ (gitignored); a failing browser test also leaves FAILED-<test>.png there.
"""

import re
import shutil

import pytest
from browser_support import (
    HELPERS,
    chromium,
    element_changes,
    gif_frame_count,
    lab_server,
    make_browser_course,
    screenshot,
)
from nbgrader.api import Gradebook
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from support import REPO, nbgrader, read_notebook

pytestmark = pytest.mark.e2e

STUDENTS = {"complete", "untouched", "half-done", "flipped-kernel", "uint8-wraparound"}
LESSON_FIGURES = 5  # worked example, sliding window, gallery, colour, timing
VISIBLE_CHECKS = 12  # the graded check cells a student can run
LOAD_TIMEOUT = 90  # JupyterLab page, kernel start
RUN_TIMEOUT = 120  # one "run all" of the notebook


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser_course(tmp_path_factory):
    """A throwaway copy of the course with the graded sample class and its gradebook."""
    return make_browser_course(tmp_path_factory.mktemp("browser") / "course")


@pytest.fixture(scope="module")
def lab(browser_course, tmp_path_factory):
    """`jupyter lab` on 127.0.0.1, a random free port and a random token, in the copy."""
    with lab_server(browser_course, tmp_path_factory.mktemp("jupyter-home")) as server:
        yield server


@pytest.fixture
def browser(tmp_path, request):
    """A fresh headless Chromium; screenshots the page if the test failed."""
    failed_before = request.session.testsfailed
    with chromium(tmp_path / "chromium-profile") as driver:
        yield driver
        if request.session.testsfailed > failed_before:
            try:
                screenshot(driver, f"FAILED-{request.node.name}")
            except WebDriverException:
                pass


# ---------------------------------------------------------------- waiting in the page


def wait_until(driver, condition, timeout, what, server=None):
    """Wait for `condition(driver)` to be truthy; fail with `what` (and the server log)."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)
    except TimeoutException:
        log = f"\n--- jupyter log ---\n{server.log_tail()}" if server else ""
        raise AssertionError(f"timed out after {timeout}s waiting for {what}{log}") from None


# ---------------------------------------------------------------------- JupyterLab

CELLS_JS = """
const panel = document.querySelector('.jp-NotebookPanel');
if (!panel) return null;
return Array.from(panel.querySelectorAll('.jp-Cell')).map(cell => ({
  code: cell.classList.contains('jp-CodeCell'),
  prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
  source: (cell.querySelector('.jp-InputArea-editor') || {}).textContent || '',
  outputs: Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(o => ({
    mime: o.getAttribute('data-mime-type') || '',
    text: o.textContent,
    images: Array.from(o.querySelectorAll('img')).map(
      img => ({loaded: img.complete && img.naturalWidth > 0, width: img.naturalWidth})),
  })),
}));
"""
KERNEL_IDLE_JS = """
const panel = document.querySelector('.jp-NotebookPanel');
const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
const status = Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
  .some(e => /\\|\\s*Idle\\s*$/.test(e.textContent.trim()));
return !!(indicator && indicator.dataset.status === 'idle' && status);
"""


def cells(driver):
    """Every cell of the open notebook: type, prompt, and what its outputs show."""
    return driver.execute_script(CELLS_JS) or []


def execution_count(cell):
    match = re.fullmatch(r"\[(\d+)\]:", cell["prompt"].strip())
    return int(match.group(1)) if match else None


def open_notebook(driver, server, path, workspace):
    """Open `path` in JupyterLab and wait until every cell is shown and the kernel is idle."""
    expected = len(read_notebook(server.root / path).cells)
    driver.get(server.lab_url(path, workspace))
    wait_until(
        driver,
        lambda d: len(cells(d)) == expected,
        LOAD_TIMEOUT,
        f"{expected} cells of {path} in JupyterLab",
        server,
    )
    wait_until(
        driver,
        lambda d: d.execute_script(KERNEL_IDLE_JS),
        LOAD_TIMEOUT,
        "the notebook's kernel to start and be idle",
        server,
    )


def run_menu(driver, item):
    """Click Run in the menu bar, then `item`."""
    driver.find_element(
        By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') and text()='Run']"
    ).click()
    entry = wait_until(
        driver,
        lambda d: d.find_elements(
            By.XPATH, f"//div[contains(@class,'lm-Menu-itemLabel') and text()='{item}']"
        ),
        10,
        f"the Run menu's {item!r} entry",
    )
    entry[0].click()


def wait_for_run(driver, server, first, previous):
    """Wait until the cell at index `first` has run (count above `previous`), nothing is
    queued or running any more, and the kernel is idle."""

    def done(d):
        now = cells(d)
        count = execution_count(now[first])
        return (
            count is not None
            and count > previous
            and not any(c["prompt"].strip() == "[*]:" for c in now)
            and d.execute_script(KERNEL_IDLE_JS)
        )

    wait_until(driver, done, RUN_TIMEOUT, "the notebook to finish running", server)


def highest_count(now):
    return max((execution_count(c) or 0 for c in now), default=0)


def run_all(driver, server):
    """Run > Run All Cells, wait for it to finish; return the index of the first code cell
    that did not run (None if all ran). JupyterLab stops a run at the first error, unless
    that cell is tagged raises-exception."""
    now = cells(driver)
    first_code = next(i for i, c in enumerate(now) if c["code"])
    run_menu(driver, "Run All Cells")
    wait_for_run(driver, server, first_code, highest_count(now))
    return first_unrun(cells(driver))


def first_unrun(now):
    return next(
        (
            i
            for i, c in enumerate(now)
            if c["code"] and c["source"].strip() and execution_count(c) is None
        ),
        None,
    )


def tracebacks(now):
    """(cell index, exception name) of every error output shown."""
    found = []
    for index, cell in enumerate(now):
        for output in cell["outputs"]:
            match = re.search(r"^(\w+)\s+Traceback \(most recent call last\)", output["text"], re.M)
            if match:
                found.append((index, match.group(1)))
    return found


def images(now):
    return [image for cell in now for output in cell["outputs"] for image in output["images"]]


def scroll_to_output_image(driver, cell_index):
    driver.execute_script(
        "document.querySelectorAll('.jp-NotebookPanel .jp-Cell')[arguments[0]]"
        ".querySelector('.jp-OutputArea-output img').scrollIntoView({block: 'center'});",
        cell_index,
    )


def scroll_to_cell(driver, cell_index):
    driver.execute_script(
        "document.querySelectorAll('.jp-NotebookPanel .jp-Cell')[arguments[0]]"
        ".scrollIntoView({block: 'start'});",
        cell_index,
    )


def cell_index(path, grade_id):
    return next(
        i
        for i, c in enumerate(read_notebook(path).cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


# ---------------------------------------------------------------------------- students


def test_student_sees_the_lesson_in_a_fresh_release(lab, browser):
    """A fresh release in JupyterLab: every picture draws; only unwritten code fails."""
    path = "release/convolutions/convolutions.ipynb"
    open_notebook(browser, lab, path, "student-release")
    screenshot(browser, "student-release-opened")

    # Cells that fail until the student writes code are tagged raises-exception, so
    # Run All goes on to the end and every lesson picture draws.
    assert run_all(browser, lab) is None, "Run All stopped before the end"
    now = cells(browser)
    assert first_unrun(now) is None, "every code cell should have run"
    errors = tracebacks(now)
    assert errors, "the checks should fail until the student writes code"
    assert {name for _, name in errors} == {"NotImplementedError"}, errors
    scroll_to_cell(browser, errors[0][0])
    screenshot(browser, "student-release-first-error")
    shown = images(now)
    assert len(shown) >= LESSON_FIGURES, f"only {len(shown)} pictures rendered"
    assert all(image["loaded"] for image in shown), "a picture did not load in the page"
    scroll_to_output_image(browser, cell_index(lab.root / path, "gallery"))
    screenshot(browser, "student-release-gallery")
    assert_the_animation_plays(browser, cell_index(lab.root / path, "sliding_window"))


def assert_the_animation_plays(driver, cell):
    """The sliding window's first output is an animated GIF shown in the page, and it moves."""
    gif = driver.execute_script(
        "return document.querySelectorAll('.jp-NotebookPanel .jp-Cell')[arguments[0]]"
        ".querySelector('.jp-OutputArea-output img');",
        cell,
    )
    assert gif is not None, "the sliding window cell shows no picture"
    src = gif.get_attribute("src")
    assert src.startswith("data:image/gif;base64,"), src[:40]
    assert gif_frame_count(src) > 1, "the GIF has a single frame"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", gif)
    assert gif.is_displayed() and gif.size["width"] > 300, gif.size
    assert element_changes(gif), "the animation did not change on screen"
    screenshot(driver, "student-release-animation")


def test_student_finished_work_passes_every_visible_check(lab, browser):
    """The complete sample submission: no errors, every check prints ✓, the gallery draws."""
    path = "submitted/complete/convolutions/convolutions.ipynb"
    open_notebook(browser, lab, path, "student-complete")

    assert run_all(browser, lab) is None, "Run All stopped before the end"
    now = cells(browser)
    assert tracebacks(now) == []
    notebook = read_notebook(lab.root / path)
    checks = [
        i
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    ]
    assert len(checks) == VISIBLE_CHECKS
    for index in checks:
        printed = "".join(o["text"] for o in now[index]["outputs"])
        grade_id = notebook.cells[index].metadata["nbgrader"]["grade_id"]
        assert re.search(r"^✓ ", printed, re.M), f"{grade_id} printed no ✓ line: {printed!r}"
    ticks = sum(len(re.findall(r"^✓ ", o["text"], re.M)) for c in now for o in c["outputs"])
    assert ticks == VISIBLE_CHECKS

    gallery = cell_index(lab.root / path, "gallery")
    gallery_images = [i for o in now[gallery]["outputs"] for i in o["images"]]
    assert gallery_images and all(i["loaded"] and i["width"] > 300 for i in gallery_images)
    assert len(images(now)) >= LESSON_FIGURES
    assert all(image["loaded"] for image in images(now))
    scroll_to_output_image(browser, gallery)
    screenshot(browser, "student-complete-gallery")


# -------------------------------------------------------------------------------- TAs


def manual_score(root, student, grade_id="edge_explanation"):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(grade_id, "convolutions", "convolutions", student)
        return grade.manual_score, grade.max_score


def test_ta_grades_the_written_answer_in_the_formgrader(lab, browser):
    """Formgrader: the 5 autograded students are listed; a manual score of 2 is saved."""
    assert manual_score(lab.root, "complete") == (None, 2.0), "the copy should start ungraded"

    browser.get(f"{lab.url}/formgrader?token={lab.token}")  # logs in, then redirects
    wait_until(
        browser,
        lambda d: d.find_elements(
            By.XPATH, "//tbody[@id='main-table']//td[normalize-space()='convolutions']"
        ),
        LOAD_TIMEOUT,
        "the formgrader's assignment list",
        lab,
    )
    screenshot(browser, "ta-formgrader-assignments")

    browser.get(f"{lab.url}/formgrader/manage_submissions/convolutions")

    def listed(d):
        return {e.text.strip() for e in d.find_elements(By.CSS_SELECTOR, "#main-table .student-id")}

    wait_until(
        browser,
        lambda d: listed(d) == STUDENTS,
        LOAD_TIMEOUT,
        f"Manage Submissions to list {sorted(STUDENTS)}",
        lab,
    )
    statuses = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#main-table .status")]
    assert all(s.strip().lower() in {"graded", "needs manual grading"} for s in statuses), statuses
    screenshot(browser, "ta-manage-submissions")

    # The complete student's answer waits for a human: student -> notebook -> grading page.
    row = browser.find_element(
        By.XPATH,
        "//tbody[@id='main-table']//tr[td[contains(@class,'student-id')"
        " and normalize-space()='complete']]",
    )
    row.find_element(By.CSS_SELECTOR, ".student-name a").click()
    link = wait_until(
        browser,
        lambda d: d.find_elements(
            By.XPATH,
            "//tbody[@id='main-table']//td[contains(@class,'name')]/a[text()='convolutions']",
        ),
        LOAD_TIMEOUT,
        "the complete student's notebook list",
        lab,
    )
    link[0].click()
    score = wait_until(
        browser,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, "input.score#edge_explanation.needs_manual_grade"
        ),
        LOAD_TIMEOUT,
        "the grading page's score box for edge_explanation",
        lab,
    )[0]
    assert "/formgrader/submissions/" in browser.current_url
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)
    screenshot(browser, "ta-grading-page")

    # The formgrader saves on change (fired on blur) and triggers `finished_saving`.
    browser.execute_script(
        "window.__saved = false; $(document).one('finished_saving', () => window.__saved = true);"
    )
    score.clear()
    score.send_keys("2")
    score.send_keys(Keys.TAB)
    wait_until(
        browser,
        lambda d: d.execute_script("return window.__saved === true;"),
        30,
        "the formgrader to save the score",
        lab,
    )
    assert manual_score(lab.root, "complete") == (2.0, 2.0)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)
    screenshot(browser, "ta-grading-saved")

    # A reload shows the saved score: it came back from the gradebook, not the page.
    browser.refresh()
    score = wait_until(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "input.score#edge_explanation"),
        LOAD_TIMEOUT,
        "the grading page after a reload",
        lab,
    )[0]
    wait_until(
        browser,
        lambda d: score.get_attribute("value") == "2",
        30,
        "the reloaded page to show the saved score 2",
        lab,
    )


# ------------------------------------------------------------------- nbgrader validate

# The visible checks that the flipped kernel fails (the hidden checks catch it too).
FLIPPED_FAILS = {
    "check_convolve_small_values",
    "check_convolve_nonsquare",
    "check_convolve_asymmetric_kernel",
}


@pytest.fixture
def validate_folder(tmp_path):
    """A course folder with the repo's config and a student's folder of release helpers."""
    root = tmp_path / "course"
    folder = root / "work"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    release = REPO / "release" / "convolutions"
    for name in HELPERS:
        if (release / name).is_dir():
            shutil.copytree(release / name, folder / name)
        else:
            shutil.copy(release / name, folder / name)
    return root, folder


def validate(root, folder, student):
    notebook = folder / f"{student}.ipynb"
    shutil.copy(REPO / "submitted" / student / "convolutions" / "convolutions.ipynb", notebook)
    return nbgrader(root, "validate", str(notebook.relative_to(root)), check=False), notebook


def test_validate_passes_the_complete_submission(validate_folder):
    result, _ = validate(*validate_folder, "complete")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout


def test_validate_lists_the_cells_a_buggy_submission_fails(validate_folder):
    result, notebook = validate(*validate_folder, "flipped-kernel")
    # nbgrader validate exits 0 even when cells fail; the report is what the student reads.
    assert f"VALIDATION FAILED ON {len(FLIPPED_FAILS)} CELL(S)!" in result.stdout, result.stdout
    blocks = result.stdout.split("The following cell failed:")[1:]
    assert len(blocks) == len(FLIPPED_FAILS)
    failed = set()
    for cell in read_notebook(notebook).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        first_line = cell.source.splitlines()[0] if cell.source else ""
        if (
            cell.cell_type == "code"
            and first_line
            and any(
                block.split("The error was:")[0].strip().startswith(first_line.strip())
                for block in blocks
            )
        ):
            failed.add(grade_id)
    assert failed == FLIPPED_FAILS
    assert result.stdout.count("AssertionError") >= len(FLIPPED_FAILS)
