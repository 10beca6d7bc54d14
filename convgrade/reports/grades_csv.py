"""grades.csv as `nbgrader export --to grades.csv` writes it, from the grading process."""

import logging
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps.exportapp import ExportApp
from nbgrader.coursedir import CourseDirectory

from convgrade.batch.submission_grader import load_config


def write_grades_csv(root, name="grades.csv"):
    """Run `nbgrader export --to NAME` in the course `root`, in this process: nbgrader's
    configured export plugin (c.ExportApp.plugin_class, its CSV plugin by default) over
    the whole gradebook, with the configuration nbgrader would load there. `convgrade
    grade` has nbgrader imported already; a fresh `nbgrader export` would spend about 3 s
    of CPU importing it again. Returns the path written."""
    root = Path(root).resolve()
    config = load_config(root)
    config.ExportPlugin.to = str(root / name)
    # Quiet, as `convgrade grade` kept `nbgrader export`'s "Exporting grades to ..." line.
    app = ExportApp(config=config, log_level=logging.WARNING)
    coursedir = CourseDirectory(config=config, root=str(root))
    plugin = app.plugin_class(parent=app)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return root / name
