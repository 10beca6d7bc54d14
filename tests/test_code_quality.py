"""Does the package pass its own linters, and do its docstring examples still run?"""

import doctest
import importlib
import subprocess
import sys

import pytest
from support import REPO

RUFF = [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff(command):
    result = subprocess.run(
        RUFF + command + ["convgrade", "tests"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "module", ["checks.reference", "checks.compare", "checks.forbidden", "checks.pictures"]
)
def test_docstring_examples(module):
    failed, tried = doctest.testmod(importlib.import_module(f"convgrade.{module}"))
    assert tried > 0 and failed == 0
