"""Are the committed sample submissions exactly what the scenario catalog builds?"""

import pytest
from support import REPO
from tools import samples, scenarios


@pytest.mark.parametrize("student", sorted(samples.SAMPLE_CLASS))
def test_sample_is_up_to_date(student):
    scenario = scenarios.load(scenarios.CATALOG_DIR / f"{samples.SAMPLE_CLASS[student]}.py")
    committed = REPO / "submitted" / student / "convolutions" / "convolutions.ipynb"
    assert committed.read_bytes() == scenarios.build(scenario), "run `make samples`"


def test_submitted_holds_only_the_sample_class():
    """submitted/ must hold synthetic students only, never real ones."""
    assert {p.name for p in (REPO / "submitted").iterdir()} == set(samples.SAMPLE_CLASS)
