"""Does the course config load, with every protection wired in, and is a broken one refused?"""

import pytest
from support import REPO

from convgrade.config_check import ConfigProblem, verify_course_config


def test_course_config_has_every_protection():
    config = verify_course_config(REPO / "nbgrader_config.py")
    assert config.Sandbox.mode == "bwrap"


@pytest.mark.parametrize("damage, problem", [
    ("from nowhere import nothing\n", "does not load"),
    ("c.Autograde.autograde_preprocessors = []\n", "lacks"),
    ("c.Autograde.autograde_preprocessors = c.Autograde.autograde_preprocessors[::-1]\n",
     "in order"),
])
def test_damaged_config_is_refused(tmp_path, damage, problem):
    text = (REPO / "nbgrader_config.py").read_text() + damage
    (tmp_path / "nbgrader_config.py").write_text(text)
    with pytest.raises(ConfigProblem, match=problem):
        verify_course_config(tmp_path / "nbgrader_config.py")
