"""The sample class in submitted/: synthetic students built from catalog scenarios."""

import shutil

from convgrade.checks.runner import REPO_ROOT
from tools import scenarios

# student id -> scenario under tests/catalog/. Synthetic students only, never real data.
SAMPLE_CLASS = {
    "complete": "correct/instructor_solution",
    "untouched": "partial/untouched",
    "half-done": "partial/half_done",
    "flipped-kernel": "faulty/flipped_kernel",
    "uint8-wraparound": "faulty/uint8_output_array",
}


def write_samples(course_root=REPO_ROOT):
    """Rebuild course_root/submitted/ from the catalog; returns the student ids written."""
    submitted = course_root / "submitted"
    shutil.rmtree(submitted, ignore_errors=True)
    for student_id, name in SAMPLE_CLASS.items():
        scenario = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenarios.write_submission(scenario, course_root, student_id)
    return list(SAMPLE_CLASS)


if __name__ == "__main__":
    print("wrote submitted/ for:", ", ".join(write_samples()))
