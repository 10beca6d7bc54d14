"""The sample class in submitted/: synthetic students built from catalog scenarios."""

import shutil
import sys

from tools import scenarios
from tools.repo import REPO_ROOT

# student id -> scenario under tests/catalog/. Synthetic students only, never real data.
SAMPLE_CLASS = {
    "complete": "correct/instructor_solution",
    "untouched": "partial/untouched",
    "half-done": "partial/half_done",
    "flipped-kernel": "faulty/flipped_kernel",
    "uint8-wraparound": "faulty/uint8_output_array",
}


class NotASampleClass(Exception):
    """submitted/ holds someone who is not a sample student: rebuilding would delete them."""


def others_in(submitted):
    """Names in `submitted` that are not sample students (folders, files or links alike)."""
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if p.name not in SAMPLE_CLASS)


def write_samples(course_root=REPO_ROOT):
    """Rebuild course_root/submitted/ from the catalog; returns the student ids written.

    Refuses, deleting nothing, when submitted/ holds anyone else: it may be a real class.
    """
    submitted = course_root / "submitted"
    if others := others_in(submitted):
        shown = ", ".join(others[:10]) + (
            f" and {len(others) - 10} more" if len(others) > 10 else ""
        )
        raise NotASampleClass(
            f"submitted/ holds {len(others)} entries that are not sample students: {shown}. "
            "Nothing was deleted. Grade a real class in a copy of the course outside git; "
            "to rebuild the samples here, move those folders out of submitted/ first."
        )
    # Only the sample students' own folders are rebuilt; nothing else is in submitted/.
    for student_id in SAMPLE_CLASS:
        shutil.rmtree(submitted / student_id, ignore_errors=True)
    for student_id, name in SAMPLE_CLASS.items():
        scenario = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenarios.write_submission(scenario, course_root, student_id)
    return list(SAMPLE_CLASS)


def main(course_root=REPO_ROOT):
    try:
        written = write_samples(course_root)
    except NotASampleClass as refusal:
        print(f"make samples: refused: {refusal}", file=sys.stderr)
        return 1
    print("wrote submitted/ for:", ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
