"""The optional convolve_fast: does the lesson catch a fast wrong answer before racing it?

The self-check cell after convolve_fast and figures.show_timing both compare it with the
student's convolve; neither is graded, so these tests run them in-process, without a kernel.
"""

import importlib.util

import matplotlib
import numpy as np
import pytest
from support import SOURCE, read_notebook

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


def load(name):
    spec = importlib.util.spec_from_file_location(f"lesson_{name}", SOURCE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(image, np.shape(kernel))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def flipped(image, kernel):
    return convolve(image, np.asarray(kernel)[::-1, ::-1])


def uint8_sums(image, kernel):
    """Right on float images; wraps around on uint8 ones."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return convolve(image, kernel).astype(np.uint8).astype(float)
    return convolve(image, kernel)


def square_only(image, kernel):
    """Right when the kernel is square; otherwise uses only its top-left square."""
    side = min(np.shape(kernel))
    rows = np.shape(image)[0] - np.shape(kernel)[0] + 1
    cols = np.shape(image)[1] - np.shape(kernel)[1] + 1
    return convolve(image, np.asarray(kernel)[:side, :side])[:rows, :cols]


def unwritten(image, kernel):
    raise NotImplementedError


def self_check_source():
    notebook = read_notebook(SOURCE / "convolutions.ipynb")
    cells = [c for c in notebook.cells if "convolve_fast gives the same answers" in c.source]
    assert len(cells) == 1, "the notebook should have one convolve_fast self-check cell"
    return cells[0].source


def run_self_check(convolve_fast, capsys):
    selfcheck = load("selfcheck")
    namespace = {
        "np": np,
        "convolve": convolve,
        "convolve_fast": convolve_fast,
        "check_array": selfcheck.check_array,
    }
    exec(compile(self_check_source(), "self-check", "exec"), namespace)
    return capsys.readouterr().out


def test_self_check_passes_a_right_convolve_fast(capsys):
    assert "same answers as convolve" in run_self_check(convolve, capsys)


def test_self_check_says_an_unwritten_convolve_fast_is_optional(capsys):
    assert "optional" in run_self_check(unwritten, capsys)


@pytest.mark.parametrize("wrong", [flipped, uint8_sums, square_only])
def test_self_check_catches_a_wrong_convolve_fast(wrong, capsys):
    """Flipped kernels, uint8 wrap-around and a square-kernel assumption all disagree: the
    cell says where, in one printed line (it is not graded, so no traceback)."""
    printed = run_self_check(wrong, capsys)
    assert printed.startswith("Not the same yet: convolve_fast, compared with convolve")
    assert "same answers as convolve" not in printed


def legend_of_timing(figures, convolve, convolve_fast, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    figures.show_timing(convolve, convolve_fast, sizes=(8, 12))
    (figure,) = shown
    ax = figure.axes[0]
    labels = {text.get_text() for text in ax.get_legend().get_texts()}
    plotted = {line.get_label() for line in ax.lines if len(line.get_xdata())}
    plt.close(figure)
    return labels, plotted, ax.get_title()


@pytest.mark.parametrize("wrong", [flipped, square_only])
def test_the_race_does_not_time_a_convolve_fast_with_other_answers(wrong, monkeypatch):
    figures = load("figures")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    labels, plotted, title = legend_of_timing(figures, convolve, wrong, monkeypatch)
    assert plotted == {"convolve (loop over pixels)"}
    assert any("answers differ from convolve's" in label for label in labels)
    assert "Same answers" not in title


def test_the_race_times_both_when_they_agree(monkeypatch):
    figures = load("figures")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    fast = lambda image, kernel: convolve(image, kernel) + 0.0  # noqa: E731
    _, plotted, title = legend_of_timing(figures, convolve, fast, monkeypatch)
    assert len(plotted) == 2 and title.startswith("Same answers")
