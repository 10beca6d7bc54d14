"""Is the hidden suite sound: does it pass the reference and cover every graded cell?"""

import numpy as np
import pytest
from support import SOURCE, hidden_cases

from convgrade.checks import misconceptions, reference, runner
from convgrade.checks.submission import Submission
from convgrade.contract import Mistake

cases = hidden_cases().cases


@pytest.fixture(scope="module")
def reference_groups():
    with Submission.reference() as submission:
        return runner.run_hidden_checks(submission)


def test_reference_passes_every_check(reference_groups):
    failures = [
        (r.name, r.message, r.grader_error) for g in reference_groups.values() for r in g.failures
    ]
    assert failures == []


def test_every_graded_cell_has_checks_and_every_check_a_cell(reference_groups):
    assert set(reference_groups) == set(runner.group_points())


def test_instructor_solution_passes_every_check():
    with Submission.from_notebook(SOURCE / "convolutions.ipynb", files_dir=SOURCE) as submission:
        groups = runner.run_hidden_checks(submission)
    assert all(not group.failures for group in groups.values())


def test_suite_can_run_twice_in_one_process(reference_groups):
    """The grader runs the suite once per student in a long-lived process."""
    with Submission.reference() as submission:
        again = runner.run_hidden_checks(submission)
    assert {k: g.passed for k, g in again.items()} == {
        k: g.passed for k, g in reference_groups.items()
    }


@pytest.mark.parametrize("case", cases("asym"), ids=repr)
def test_asymmetric_cases_tell_flips_apart(case):
    """Each asymmetric kernel must differ from its flips and transpose, or the check is blind."""
    right = reference.convolve(case.image, case.kernel)
    for name, wrong in misconceptions.convolve_variants(case.image, case.kernel):
        if name in {
            Mistake.FLIPPED_KERNEL,
            Mistake.TRANSPOSED_KERNEL,
            Mistake.KERNEL_FLIPPED_UPSIDE_DOWN,
            Mistake.KERNEL_FLIPPED_LEFT_TO_RIGHT,
        }:
            assert not np.allclose(wrong(), right), name
