"""Is skipping rfc3987_syntax safe? Notebook validation must give the same verdicts."""

import json
import subprocess
import sys

import pytest
from support import RELEASE

VALIDATE = """
import json, sys
{block}
import nbformat
verdicts = []
for text in json.loads(sys.stdin.read()):
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
        verdicts.append("valid")
    except Exception as error:
        verdicts.append(type(error).__name__)
print(json.dumps(verdicts))
"""


@pytest.fixture(scope="module")
def notebooks():
    good = (RELEASE / "convolutions.ipynb").read_text()
    data = json.loads(good)
    bad_cell = json.loads(good)
    bad_cell["cells"][0]["cell_type"] = "picture"
    bad_meta = json.loads(good)
    bad_meta["metadata"]["kernelspec"] = 42
    missing = json.loads(good)
    del missing["cells"][1]["source"]
    return [good, json.dumps(data), json.dumps(bad_cell), json.dumps(bad_meta), json.dumps(missing)]


def verdicts(notebooks, block):
    code = VALIDATE.format(
        block="from convgrade.batch.startup import skip_optional_grammar\nskip_optional_grammar()"
        if block
        else ""
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(notebooks),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_validation_verdicts_are_unchanged(notebooks):
    with_grammar, without = verdicts(notebooks, False), verdicts(notebooks, True)
    assert with_grammar == without
    assert with_grammar[:2] == ["valid", "valid"] and "valid" not in with_grammar[2:]
