"""Issue 11's "Done when": the whole path a TA and an instructor walk, on a fresh course.

import an LMS download -> convgrade grade -> a TA's score and comment through the
formgrader's HTTP API -> regrade with --force -> nbgrader generate_feedback -> the class
report -> Canvas and Moodle CSVs. Each step is checked for what it must leave behind: no
submission changed after import, the TA's work kept, every output agreeing with the gradebook.
"""

import csv
import hashlib
import http.cookiejar
import json
import urllib.parse
import urllib.request
import zipfile

import pytest
from browser_support import lab_server
from nbgrader.api import Gradebook
from support import convgrade, make_course, nbgrader
from tools import scenarios

ASSIGNMENT = NOTEBOOK = "convolutions"
WRITTEN = "edge_explanation"  # the answer a TA grades by hand
WRITTEN_TASK = f"{ASSIGNMENT}: 6. Why does the edge kernel find edges?"  # its export column
TA_SCORE, TA_COMMENT = 1.5, "Right idea; say why the kernel sums to zero."
# Canvas user ids, as the bulk download names them.
CORRECT, FAULTY, MISNAMED = "4101", "4102", "4103"
EARLY, LATE = (2026, 1, 10, 9, 0, 0), (2026, 1, 12, 18, 30, 0)


def scenario(name):
    return scenarios.build(scenarios.load(scenarios.CATALOG_DIR / f"{name}.py"))


def canvas_download(path):
    """A Canvas bulk download of three students: the correct one uploaded twice (a faulty
    first try, then the right one, late: Canvas's LATE_ and -1 copy suffix), a faulty one,
    and one whose notebook was saved under another name."""
    members = [
        (f"smithjane_{CORRECT}_9001_convolutions.ipynb", scenario("faulty/flipped_kernel"), EARLY),
        (
            f"smithjane_LATE_{CORRECT}_9002_convolutions-1.ipynb",
            scenario("correct/instructor_solution"),
            LATE,
        ),
        (f"doejohn_{FAULTY}_9003_convolutions.ipynb", scenario("faulty/flipped_kernel"), EARLY),
        (
            f"roeann_{MISNAMED}_9004_convolutions (1).ipynb",
            scenario("correct/instructor_solution"),
            EARLY,
        ),
    ]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, when in members:
            archive.writestr(zipfile.ZipInfo(name, when), data)
    return path


def digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def scores(root):
    """{student: total score} as the gradebook holds it."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}


def ta_work(root, student):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(WRITTEN, NOTEBOOK, ASSIGNMENT, student)
        comment = gradebook.find_comment(WRITTEN, NOTEBOOK, ASSIGNMENT, student)
        return grade.manual_score, comment.manual_comment


def grades_csv(root):
    with open(root / "grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}


def check_current(root, run):
    """`convgrade grade` ends with grades.csv and the report matching the gradebook."""
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert "wrote grades.csv" in run.stdout and "wrote reports/convolutions.html" in run.stdout
    gradebook = scores(root)
    assert grades_csv(root) == pytest.approx(gradebook)
    return gradebook


class Formgrader:
    """The formgrader's HTTP API, used as its page does: log in with the token (which sets
    the session and _xsrf cookies), then send the _xsrf cookie back as X-XSRFToken."""

    def __init__(self, server):
        self.url = server.url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.open(f"{self.url}/formgrader?token={server.token}", timeout=30).read()

    def call(self, method, path, body=None):
        xsrf = next(c.value for c in self.cookies if c.name == "_xsrf")
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=30) as response:
            return json.loads(response.read())


def grade_by_hand(server, student):
    """A TA's score and comment for the written answer, saved as the formgrader saves them."""
    api = Formgrader(server)
    notebooks = api.call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{NOTEBOOK}")
    submission = next(nb["id"] for nb in notebooks if nb["student"] == student)
    query = urllib.parse.urlencode({"submission_id": submission})
    grade = next(
        g for g in api.call("GET", f"/formgrader/api/grades?{query}") if g["name"] == WRITTEN
    )
    comment = next(
        c for c in api.call("GET", f"/formgrader/api/comments?{query}") if c["name"] == WRITTEN
    )
    assert grade["manual_score"] is None and grade["needs_manual_grade"]
    saved = api.call("PUT", f"/formgrader/api/grade/{grade['id']}", {"manual_score": TA_SCORE})
    assert saved["manual_score"] == TA_SCORE and not saved["needs_manual_grade"]
    saved = api.call(
        "PUT", f"/formgrader/api/comment/{comment['id']}", {"manual_comment": TA_COMMENT}
    )
    assert saved["manual_comment"] == TA_COMMENT


def report_row(root, student):
    """The student's row in the class report's per-student table."""
    report = (root / "reports" / "convolutions.html").read_text()
    start = report.index(f"<tr><td>{student}")
    return report[start : report.index("</tr>", start)]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.mark.e2e
def test_a_ta_and_an_instructor_walk_the_whole_course(tmp_path):
    root = make_course(tmp_path / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")

    # 1. Import the LMS download: the latest copy wins, the misnamed notebook is noted.
    run = convgrade(root, "import", str(canvas_download(tmp_path / "canvas.zip")), ASSIGNMENT)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert f"imported 3 submission(s) into submitted/: {CORRECT}, {FAULTY}, {MISNAMED}" in (
        run.stdout
    )
    assert "an earlier copy; kept smithjane_LATE_4101_9002_convolutions-1.ipynb" in run.stdout
    assert f"{MISNAMED}: notebook named convolutions (1).ipynb" in run.stdout
    submitted = digest(root / "submitted")
    folder = root / "submitted" / CORRECT / ASSIGNMENT
    assert (folder / "convolutions.ipynb").read_bytes() == scenario("correct/instructor_solution")

    # 2. Grade: scores in the gradebook, grades.csv and the report brought up to date.
    first = check_current(root, convgrade(root, "grade", ASSIGNMENT, "--jobs", "2"))
    assert first[CORRECT] > first[FAULTY]
    assert first[MISNAMED] == 0  # graded as missing, with what was found named
    row = report_row(root, CORRECT)
    assert f"<td>{first[CORRECT]:g} / 26<br><small>2 await a TA</small></td>" in row
    assert (
        f'<td>{MISNAMED}<br><b class="flag">unreadable: the notebook file convolutions.ipynb '
        "is missing; found: convolutions (1).ipynb</b>"
    ) in (root / "reports" / "convolutions.html").read_text()
    assert digest(root / "submitted") == submitted

    # 3. The TA grades the written answer in the formgrader.
    with lab_server(root, tmp_path / "jupyter-home") as server:
        grade_by_hand(server, CORRECT)
    assert ta_work(root, CORRECT) == (TA_SCORE, TA_COMMENT)
    assert scores(root)[CORRECT] == pytest.approx(first[CORRECT] + TA_SCORE)

    # 4. Regrade everyone: the TA's score and comment survive and count.
    regraded = check_current(root, convgrade(root, "grade", ASSIGNMENT, "--jobs", "2", "--force"))
    assert ta_work(root, CORRECT) == (TA_SCORE, TA_COMMENT)
    assert regraded == pytest.approx({**first, CORRECT: first[CORRECT] + TA_SCORE})
    assert digest(root / "submitted") == submitted

    # 5. Feedback: the TA's score and comment on the graded page; "awaiting grading" elsewhere.
    nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    pages = {
        student: (root / "feedback" / student / ASSIGNMENT / "convolutions.html")
        for student in (CORRECT, FAULTY)
    }
    graded, waiting = (pages[s].read_text() for s in (CORRECT, FAULTY))
    assert TA_COMMENT in graded and "awaiting grading" not in graded
    assert "awaiting grading" in waiting

    # 6. The report's per-student table, as the regrade left it and rewritten: the TA's
    # score counted, links to each page.
    rewritten_by_grade = report_row(root, CORRECT)
    assert f"<td>{regraded[CORRECT]:g} / 26</td>" in rewritten_by_grade
    assert "await" not in rewritten_by_grade
    run = convgrade(root, "report")
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert report_row(root, CORRECT) == rewritten_by_grade
    report = (root / "reports" / "convolutions.html").read_text()
    for student in (CORRECT, FAULTY):
        assert f'href="../feedback/{student}/{ASSIGNMENT}/convolutions.html"' in report

    # 7. The LMS exports, as `make export` writes them: totals include the TA's score.
    for plugin, name in (("CanvasExport", "canvas"), ("MoodleExport", "moodle")):
        nbgrader(
            root,
            "export",
            f"--exporter=convgrade.reports.lms.{plugin}",
            "--to",
            f"exports/{name}.csv",
        )
    for name in ("canvas", "moodle"):
        header, *rows = read_csv(root / "exports" / f"{name}.csv")
        if name == "canvas":  # Canvas's "Points Possible" row under the header
            possible, *rows = rows
            assert header[:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [
                ASSIGNMENT
            ]
            assert possible[5] == "26"
        by_student = {row[3] if name == "canvas" else row[0]: row for row in rows}
        total, written = header.index(ASSIGNMENT), header.index(WRITTEN_TASK)
        assert {s: float(row[total]) for s, row in by_student.items()} == pytest.approx(regraded)
        assert float(by_student[CORRECT][written]) == TA_SCORE, name

    # Nothing that happened after the import touched a submission.
    assert digest(root / "submitted") == submitted
