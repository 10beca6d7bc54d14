"""Unit tests of the RequireSandbox preprocessor: grading stops before any student code runs
unless bubblewrap works here, or the instructor waived the sandbox (and is warned)."""

import logging
import shutil

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from convgrade.autograde.requiresandbox import RequireSandbox
from convgrade.sandbox.bwrap import Sandbox, SandboxUnavailable


@pytest.fixture(autouse=True)
def unchecked(monkeypatch):
    """Each test starts as a fresh grading run would: bwrap not yet checked."""
    monkeypatch.setattr(RequireSandbox, "_checked", False)


def require(**sandbox):
    """A RequireSandbox with these c.Sandbox settings, run on a one-cell notebook."""
    nb = new_notebook(cells=[new_code_cell("print('student code')")])
    step = RequireSandbox(config=Config({"Sandbox": sandbox}))
    return step.preprocess(nb, {})


def test_does_a_working_bwrap_let_grading_go_on_with_the_notebook_unchanged(caplog):
    with caplog.at_level(logging.WARNING):
        nb, resources = require()
    assert nb.cells[0].source == "print('student code')" and resources == {}
    assert RequireSandbox._checked is True
    assert caplog.text == ""


def test_is_bwrap_checked_once_per_run(monkeypatch):
    require()

    def must_not_probe(self):
        raise AssertionError("bwrap was probed again for the next notebook")

    monkeypatch.setattr(Sandbox, "check_available", must_not_probe)
    require()


def test_does_a_missing_bwrap_stop_grading_saying_how_to_install_it(tmp_path, caplog):
    with caplog.at_level(logging.CRITICAL), pytest.raises(SandboxUnavailable) as stopped:
        require(bwrap_path=str(tmp_path / "no-such-bwrap"))
    assert "apt-get install bubblewrap" in str(stopped.value)
    assert "unsafe-no-sandbox" in str(stopped.value)
    assert f"Grading stopped: {stopped.value}" in caplog.text
    assert RequireSandbox._checked is False  # the next notebook is refused too
    with pytest.raises(SandboxUnavailable):
        require(bwrap_path=str(tmp_path / "no-such-bwrap"))


def test_does_a_bwrap_that_cannot_start_a_sandbox_stop_grading():
    """`false` stands for a bwrap that is installed but refused (no user namespaces)."""
    with pytest.raises(SandboxUnavailable, match="installed but cannot start a sandbox"):
        require(bwrap_path=shutil.which("false"))
    assert RequireSandbox._checked is False


def test_is_grading_without_a_sandbox_allowed_only_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        require(mode="unsafe-no-sandbox", bwrap_path=str(tmp_path / "no-such-bwrap"))
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("UNSAFE: c.Sandbox.mode is 'unsafe-no-sandbox'.")
    assert "the gradebook included" in warning.getMessage()
