"""Hostile submissions through real `nbgrader autograde`: no trick earns a point, nothing leaks.

Two honest bystanders are graded first. Then every scenario in tests/catalog/hostile/ is
graded in one batch with the rest of the catalog class (tests/support.grade_catalog), and
we check that the batch finished, that no hostile student gained credit, that the
bystanders' gradebook rows are untouched, that no file outside the students' own
autograded folders changed, and that each problem was recorded.
"""

import functools
import hashlib
import json
import re
import unicodedata
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
from support import (
    BYSTANDERS,
    DOORS,
    FORMGRADE_RESOURCES,
    GRADER_SECRET,
    REPO,
    convgrade,
    grade_rows,
    read_notebook,
)
from tools import scenarios

from convgrade.checks import runner
from convgrade.contract import read_records
from convgrade.reports import gradebook_table

HOSTILE = scenarios.catalog("hostile")
POINTS = runner.group_points()


@pytest.fixture(scope="module", params=DOORS)
def hostile_class(request, graded_catalog):
    """The bystanders and the hostile catalog, graded with the rest of the catalog class
    (tests/support.grade_catalog), shared with tests/test_two_doors.py."""
    return graded_catalog(request.param)


@pytest.mark.e2e
def test_batch_finishes_normally(hostile_class):
    run = hostile_class["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "There was an error processing assignment" not in run.stderr
    assert "not graded:" not in run.stdout


@pytest.mark.e2e
def test_catalog_is_big_enough():
    assert len(HOSTILE) >= 15


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", HOSTILE, ids=lambda s: s.name)
def test_no_trick_earns_a_point(hostile_class, scenario):
    scores = dict(
        (cell, auto)
        for _, cell, auto, _ in grade_rows(hostile_class["root"], scenario.name)
        if cell in POINTS
    )
    assert set(scores) == set(POINTS), "every graded cell must have a row"
    if "zero" in scenario.expect:
        assert set(scores.values()) == {0.0}, scenario.description
    if scenario.expects_full_marks:
        assert scores == POINTS, scenario.description
    if scenario.lost_cells:
        # The list is complete: an attack confined to one answer must not cost the others.
        lost = {cell for cell, points in scores.items() if points < POINTS[cell]}
        assert lost == scenario.lost_cells, scenario.description
    if scenario.misconceptions:
        notebook = read_notebook(
            hostile_class["root"]
            / "autograded"
            / scenario.name
            / "convolutions"
            / "convolutions.ipynb"
        )
        named = {check.misconception for _, check in read_records(notebook).checks}
        assert set(scenario.misconceptions) <= named


@pytest.mark.e2e
@pytest.mark.parametrize(
    "scenario", [s for s in HOSTILE if s.blocked or s.escaped], ids=lambda s: s.name
)
def test_blocked_actions_leave_their_evidence(hostile_class, scenario):
    """The scenario's own report of its attack: the error that stopped it is there
    (`# blocked:`), the marker it prints only on success is not (`# escaped:`)."""
    notebook = read_notebook(autograded(hostile_class["root"], scenario.name))
    text = scenarios.evidence_text(notebook)
    missing = [pattern.pattern for pattern in scenario.blocked if not pattern.search(text)]
    escaped = [found.group(0) for pattern in scenario.escaped if (found := pattern.search(text))]
    assert (missing, escaped) == ([], []), text[-4000:]


@pytest.mark.e2e
def test_bystanders_rows_are_unchanged(hostile_class):
    for student, rows in hostile_class["bystanders_before"].items():
        assert grade_rows(hostile_class["root"], student) == rows


@pytest.mark.e2e
def test_no_file_outside_the_scratch_space_changed(hostile_class):
    before, after = hostile_class["files_before"], hostile_class["files_after"]
    changed = {path for path in before if before[path] != after.get(path)}
    assert changed == set()


def autograded(root, student):
    return root / "autograded" / student / "convolutions" / "convolutions.ipynb"


def feedback_page(root, student):
    return root / "feedback" / student / "convolutions" / "convolutions.html"


def formgrader_page(root, student):
    """The HTML the formgrader serves for this student's autograded notebook, made the
    same way: nbconvert's HTMLExporter with the course's configuration and nbgrader's
    'formgrade' template."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    html, _ = HTMLExporter(config=config).from_filename(
        str(autograded(root, student)), resources=dict(FORMGRADE_RESOURCES)
    )
    return html


class ActiveContent(HTMLParser):
    """Everything in a page that could run script or send the reader elsewhere."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background"}
    SAFE_URL = re.compile(r"^(https?:|data:image/(png|jpeg|gif);|#|[^:]*$)", re.IGNORECASE)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = set()
        self._script = None

    def handle_starttag(self, tag, attrs):
        if tag in {"iframe", "object", "embed", "form", "base", "frame", "applet"}:
            self.found.add(f"<{tag}>")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.found.add("<meta http-equiv>")
        for key, value in attrs:
            if key.startswith("on"):
                self.found.add(f"{tag} {key}=")
            if key in self.URL_ATTRIBUTES and value and not self.SAFE_URL.match(value.strip()):
                self.found.add(f"{tag} {key}={value.strip()[:60]}")
            if key == "srcset" and value and "javascript" in value.lower():
                self.found.add(f"{tag} srcset")
        if tag == "script":
            self._script = dict(attrs).get("src") or ""

    def handle_data(self, data):
        if self._script is not None:
            self._script += hashlib.sha256(data.encode()).hexdigest()

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.found.add(f"<script {self._script}>")
            self._script = None


def active_content(html):
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.e2e
def test_every_student_has_feedback(hostile_class):
    root = hostile_class["root"]
    missing = [
        s for s in [*BYSTANDERS, *(s.name for s in HOSTILE)] if not feedback_page(root, s).exists()
    ]
    assert missing == []


@pytest.mark.e2e
def test_outputs_and_feedback_stay_small(hostile_class):
    root = hostile_class["root"]
    for scenario in HOSTILE:
        for path in [autograded(root, scenario.name), feedback_page(root, scenario.name)]:
            assert path.stat().st_size < 12 << 20, f"{path} is too large"


IMAGE_SIZE = re.compile(r"<img\b[^>]*?\s(width|height)=(\"[^\"]*\"|'[^']*'|[^\s>]*)", re.I)
# Classes and ids the formgrader's own scripts act on: student content must not pose as them.
FORMGRADER_HOOKS = re.compile(
    r"class=\"[^\"]*\b(full-credit|extra-credit|score|tabbable|comment)\b", re.IGNORECASE
)


class FormgraderView(NamedTuple):
    """What the checks below read from one student's formgrader page."""

    active: frozenset  # active_content
    image_sizes: tuple  # IMAGE_SIZE matches: (attribute, value)
    hooks: int  # FORMGRADER_HOOKS matches


@functools.cache
def formgrader_view(root, student):
    """Rendered once per student for the two checks below (about half a second a page)."""
    html = formgrader_page(root, student)
    return FormgraderView(
        frozenset(active_content(html)),
        tuple(IMAGE_SIZE.findall(html)),
        len(FORMGRADER_HOOKS.findall(html)),
    )


@pytest.mark.e2e
def test_no_page_carries_script_the_template_did_not_put_there(hostile_class):
    """Feedback pages and formgrader pages: the only active content is the template's own."""
    root = hostile_class["root"]
    trusted_feedback = active_content(feedback_page(root, "bystander-complete").read_text())
    trusted_formgrader = formgrader_view(root, "bystander-complete").active
    found = {}
    for scenario in HOSTILE:
        page = feedback_page(root, scenario.name).read_text(errors="replace")
        extra = active_content(page) - trusted_feedback
        extra |= formgrader_view(root, scenario.name).active - trusted_formgrader
        if extra:
            found[scenario.name] = sorted(extra)
    assert found == {}


@pytest.mark.e2e
def test_pages_show_the_lesson_markdown_and_only_integer_picture_sizes(hostile_class):
    root = hostile_class["root"]
    trusted_hooks = formgrader_view(root, "bystander-complete").hooks
    wrong = {}
    for scenario in HOSTILE:
        page = feedback_page(root, scenario.name).read_text(errors="replace")
        formgrader = formgrader_view(root, scenario.name)
        problems = [
            f"{key}={value}"
            for key, value in IMAGE_SIZE.findall(page) + list(formgrader.image_sizes)
            if not value.strip("\"'").isdigit()
        ]
        # A refused or unreadable notebook is replaced by a stand-in without the lesson.
        if "<p>&gt;" in page or ("<h1" in page and "<blockquote" not in page):
            problems.append("the lesson's blockquote is escaped")
        if formgrader.hooks > trusted_hooks:
            problems.append("student content carries the formgrader's score classes")
        if problems:
            wrong[scenario.name] = problems[:5]
    assert wrong == {}


def _hidden_fingerprints():
    """Strings that would show a hidden input was copied out: a run of an image's first
    row in decimal, and base64 and hex of byte runs of every hidden array and photo."""
    import base64

    import imageio.v3 as iio
    import numpy as np

    data = REPO / "tests" / "hidden" / "data"
    arrays = dict(np.load(data / "cases.npz"))
    arrays |= {p.name: iio.imread(p) for p in data.glob("*.png")}
    patterns, needles = [], set()
    for array in arrays.values():
        flat = np.asarray(array)
        if flat.ndim >= 2 and flat.shape[-1] >= 6 and flat.dtype.kind in "iu":
            row = flat.reshape(-1, flat.shape[-1])[0][:8]
            if len(set(row.tolist())) > 2:
                patterns.append(r"\D{1,6}".join(str(int(v)) for v in row))
        raw = flat.tobytes()
        for offset in range(0, max(len(raw) - 24, 1), max(len(raw) // 8, 24)):
            chunk = raw[offset : offset + 24]
            if len(chunk) < 24 or chunk.count(0) > 8:
                continue  # runs of zeros are everywhere (PNG pictures, padding)
            for shift in range(3):
                needles.add(base64.b64encode(chunk[shift:])[4:24].decode())
            needles.add(chunk.hex())
    return re.compile("|".join(patterns)), needles


def student_outputs(root, student):
    """Every file grading wrote for a student: autograded notebook, copies, feedback."""
    return [
        p
        for top in ("autograded", "feedback")
        for p in sorted((root / top / student).rglob("*"))
        if not p.is_dir() or p.is_symlink()
    ]


@pytest.mark.e2e
def test_grading_writes_only_regular_files(hostile_class):
    root = hostile_class["root"]
    odd = [
        str(p.relative_to(root))
        for scenario in HOSTILE
        for p in student_outputs(root, scenario.name)
        if p.is_symlink() or not p.is_file()
    ]
    assert odd == []


@pytest.mark.e2e
def test_no_hidden_input_or_secret_in_any_output(hostile_class):
    root = hostile_class["root"]
    rows, needles = _hidden_fingerprints()
    secrets = [
        "SQLite format 3",  # a gradebook
        "root:x:0:0",  # the host's /etc/passwd
        *GRADER_SECRET.values(),  # the grader's environment
        "expect_convolution",  # hidden test source
        "BEGIN SOLUTION",  # the instructor's notebook
        "Trusted reference answers",  # convgrade/reference.py
    ]
    leaks = {}
    for scenario in HOSTILE:
        for path in student_outputs(root, scenario.name):
            text = path.read_bytes().decode(errors="replace")
            hits = [s for s in secrets if s in text] + [n for n in needles if n in text]
            if match := rows.search(text):
                hits.append(match.group(0))
            if hits:
                leaks[str(path.relative_to(root))] = hits[:5]
    assert leaks == {}


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name, reason",
    [
        ("not_json", "unreadable file"),
        ("empty_file", "unreadable file"),
        ("binary_garbage", "unreadable file"),
        ("json_not_notebook", "unreadable file"),
        ("deleted_test_cells", "repaired"),
        ("stripped_metadata", "repaired"),
        ("flipped_cell_types", "repaired"),
        ("test_cell_made_solution", "repaired"),
        ("edited_test_cell", "repaired"),
        ("hard_exit", "crashed"),
        ("segfault", "crashed"),
        ("loop_ignores_interrupt", "timed out"),
        ("infinite_loop_top_level", "(convolve): stopped after 8 s"),
        ("output_flood", "output truncated"),
        ("forbidden_obfuscated", "forbidden"),
        ("files_symlink_gradebook", "refused: gradebook.db: a symbolic link"),
        ("files_symlink_folder", "refused: hidden: a symbolic link"),
        ("files_fifo_timestamp", "refused: timestamp.txt: a named pipe"),
        ("files_fifo_extra_file", "a socket"),
        ("files_oversized_extra_file", "over the 16 MiB limit"),
        ("files_too_many_entries", "more than 1000 files"),
        ("files_notebook_symlink_other_student", "unreadable file"),
        ("files_oversized_notebook", "unreadable file"),
        ("files_device_notebook", "unreadable file"),
        ("sandbox_numpy_vars_alias", "forbidden"),
        ("sandbox_numpy_runtime_alias", "forbidden"),
        ("sandbox_scipy_meta_path", "forbidden"),
        ("starve_many_slow_cells", "notebook time budget used up"),
    ],
)
def test_each_problem_is_recorded_with_a_reason(hostile_class, name, reason):
    found = gradebook_table.problems(hostile_class["root"] / "autograded")
    assert any(reason in line for line in found.get(name, [])), found.get(name)


@pytest.mark.e2e
@pytest.mark.parametrize("command", [["problems"], ["summary"], ["report"]])
def test_instructor_commands_survive_and_print_plain_text(hostile_class, command):
    root = hostile_class["root"]
    run = convgrade(root, *command, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    shown = run.stdout + run.stderr
    if command == ["report"]:
        shown += (root / "reports" / "convolutions.html").read_text()
    controls = {
        ch for ch in shown if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Zl", "Zp"}
    } - set("\n\t")
    assert controls == set()
    assert "FORGED" not in shown


@pytest.mark.e2e
def test_every_check_ran_to_a_verdict(hostile_class):
    """Hostile code may fail its checks, but never break one on the grader's side."""
    root = hostile_class["root"]
    broken = {}
    for scenario in [*HOSTILE, *BYSTANDERS]:
        name = getattr(scenario, "name", scenario)
        notebook = read_notebook(autograded(root, name))
        for cell in notebook.cells:
            for check in cell.get("metadata", {}).get("convgrade", {}).get("checks", []):
                if "could not be completed" in (check.get("message") or ""):
                    broken.setdefault(name, []).append(check.get("name"))
    assert broken == {}


@pytest.mark.e2e
def test_only_the_grader_wrote_grading_records(hostile_class):
    root = hostile_class["root"]
    for scenario in HOSTILE:
        notebook = read_notebook(autograded(root, scenario.name))
        assert "FORGED" not in json.dumps(notebook.metadata), scenario.name
        for cell in notebook.cells:
            assert "FORGED" not in json.dumps(cell.get("metadata", {})), scenario.name
        assert read_records(notebook).rejected == [], scenario.name


@pytest.mark.e2e
def test_grading_leaves_nothing_in_tmp(hostile_class):
    tmp = hostile_class["root"].parent / "tmp"
    assert not list(tmp.rglob("gradebook.db"))
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("convgrade-")]


@pytest.mark.e2e
def test_grading_leaves_no_cgroup_behind(hostile_class):
    assert hostile_class["cgroups_left"] == set()
