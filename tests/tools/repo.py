"""Where this repository's course is: the developer tools work on the checkout itself.

The grader package never uses these paths; it finds a course from nbgrader's configuration
(convgrade.course_folders).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HIDDEN_DIR = REPO_ROOT / "tests" / "hidden"
SOURCE_NOTEBOOK = REPO_ROOT / "source" / "convolutions" / "convolutions.ipynb"
