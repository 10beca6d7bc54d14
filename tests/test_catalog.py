"""The grader, tested by mutation: every faulty scenario loses points, every correct one none.

Scenarios live in tests/catalog/ (see convgrade/scenarios.py for the format). Each is
built into a notebook and run through the same sandboxed worker and hidden checks that
`nbgrader autograde` uses.
"""

import nbformat
import pytest
from tools import scenarios

from convgrade.checks import runner
from convgrade.checks.submission import Submission

POINTS = runner.group_points()
FAULTY = scenarios.catalog("faulty")
CORRECT = scenarios.catalog("correct")


def grade(scenario):
    notebook = nbformat.reads(scenarios.build(scenario).decode(), as_version=4)
    with Submission.from_notebook(
        notebook, files_dir=scenarios.RELEASE_NOTEBOOK.parent, call_timeout=5.0
    ) as submission:
        return runner.run_hidden_checks(submission)


def lost_cells(groups):
    return {name for name, group in groups.items() if group.failures}


def named_mistakes(groups):
    """Mistakes named by failed checks, and by passed ones' notes (a forgiven knock-on)."""
    # With the mistakes said to give the very same result (CheckResult.also).
    return {m for g in groups.values() for r in g.results for m in (r.misconception, *r.also) if m}


def grader_errors(groups):
    return [(r.name, r.grader_error) for g in groups.values() for r in g.results if r.grader_error]


@pytest.mark.parametrize("scenario", CORRECT, ids=lambda s: s.name)
def test_correct_code_gets_full_marks(scenario):
    groups = grade(scenario)
    assert grader_errors(groups) == []
    failures = [(r.name, r.message) for g in groups.values() for r in g.failures]
    assert failures == [], scenario.description


@pytest.mark.parametrize("scenario", FAULTY, ids=lambda s: s.name)
def test_faulty_code_loses_points_and_the_mistake_is_named(scenario):
    groups = grade(scenario)
    assert grader_errors(groups) == []
    assert lost_cells(groups), f"no check caught: {scenario.description}"
    for expectation in scenario.expect:
        if expectation.startswith("loses="):
            assert expectation.split("=", 1)[1] in lost_cells(groups)
    for name in scenario.misconceptions:
        assert name in named_mistakes(groups), (
            f"expected the mistake {name!r} to be named; named: {named_mistakes(groups)}"
        )


def test_catalog_is_big_enough():
    convolve_faults = [s for s in FAULTY if "convolve" in s.cells]
    assert len(convolve_faults) >= 30 and len(CORRECT) >= 8
    assert any("convolve_color" in s.cells for s in FAULTY)
    assert any("to_uint8" in s.cells for s in FAULTY)


def test_expectations_name_known_mistakes(tmp_path):
    """Does a misspelt mistake in a scenario header fail when the catalog is read?"""
    typo = tmp_path / "typo.py"
    typo.write_text('"""A typo."""\n# expect: misconception=flipped kernal\n# %% convolve\n')
    with pytest.raises(ValueError, match="unknown mistake 'flipped kernal'"):
        scenarios.load(typo)
    for scenario in FAULTY + CORRECT:
        assert scenario.expects_full_marks == (scenario in CORRECT), scenario.name


def hostile_catalog_problems(scenario):
    """Why a hostile scenario's test could pass whatever the grader does, if it could."""
    problems = []
    if scenario.attack not in scenarios.ATTACKS:
        problems.append("says nothing about what it attacks (# attack:)")
    if scenario.attack in scenarios.SCORE_KEPT:
        # Built from the blank release, it would score zero however its attack went.
        if scenario.base != "solution" or "zero" in scenario.expect:
            problems.append(f"a {scenario.attack} attack must start from the answers")
        if not (scenario.expects_full_marks or scenario.lost_cells):
            problems.append("must say which points it keeps (full-marks or loses=)")
    if scenario.attack in scenarios.NEEDS_EVIDENCE and not scenario.blocked:
        problems.append("names no evidence that its action was blocked (# blocked:)")
    if "zero" in scenario.expect and not scenario.zero_reason:
        problems.append("expects zero without saying why")
    return problems


def test_hostile_scenarios_can_fail():
    found = {s.name: p for s in scenarios.catalog("hostile") if (p := hostile_catalog_problems(s))}
    assert found == {}


def test_a_sandbox_scenario_without_evidence_is_caught(tmp_path):
    """Does the catalog check catch the scenarios issue 10 found: a sandbox attack built
    from the blank release, expecting zero, with no sign of the attack being stopped?"""
    blank = tmp_path / "blank_network.py"
    blank.write_text(
        '"""Tries the network."""\n# attack: sandbox\n# base: release\n# expect: zero\n'
        "# %% convolve\nimport socket\n"
    )
    assert hostile_catalog_problems(scenarios.load(blank)) == [
        "a sandbox attack must start from the answers",
        "must say which points it keeps (full-marks or loses=)",
        "names no evidence that its action was blocked (# blocked:)",
        "expects zero without saying why",
    ]
    unlabelled = tmp_path / "unlabelled.py"
    unlabelled.write_text('"""Something."""\n# expect: full-marks\n')
    assert hostile_catalog_problems(scenarios.load(unlabelled)) == [
        "says nothing about what it attacks (# attack:)"
    ]
