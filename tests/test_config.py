"""Does the course config load, with every protection wired in, and is a broken one refused?"""

import pytest
from support import REPO

from convgrade.autograde.config_check import ConfigProblem, verify_course_config


def test_course_config_has_every_protection():
    config = verify_course_config(REPO / "nbgrader_config.py")
    assert config.Sandbox.mode == "bwrap"


@pytest.mark.parametrize(
    "damage, problem",
    [
        ("from nowhere import nothing\n", "does not load"),
        ("c.Autograde.autograde_preprocessors = []\n", "lacks"),
        (
            "c.Autograde.autograde_preprocessors = c.Autograde.autograde_preprocessors[::-1]\n",
            "in order",
        ),
    ],
)
def test_damaged_config_is_refused(tmp_path, damage, problem):
    text = (REPO / "nbgrader_config.py").read_text() + damage
    (tmp_path / "nbgrader_config.py").write_text(text)
    with pytest.raises(ConfigProblem, match=problem):
        verify_course_config(tmp_path / "nbgrader_config.py")


@pytest.mark.e2e
def test_grading_stops_without_bubblewrap(tmp_path):
    """Without bwrap, `convgrade grade` refuses before any student code runs."""
    import os
    import subprocess
    import sys

    from support import make_course, nbgrader

    root = make_course(tmp_path / "course")
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    (root / "submitted" / "someone" / "convolutions").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        (root / "nbgrader_config.py").read_text() + '\nc.Sandbox.bwrap_path = "no-such-bwrap"\n'
    )
    run = subprocess.run(
        [sys.executable, "-m", "convgrade.cli", "grade", "--jobs", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, PATH=f"{sys.prefix}/bin:{os.environ['PATH']}"),
    )
    assert run.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in run.stderr
    assert not (root / "autograded").exists()
