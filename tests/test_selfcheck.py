"""Do the notebook's visible checks name the student's mistake, without giving anything away?

The check cells run in this process (tools.known_mistakes.run_in_process) with a catalog
scenario's answers in place of the instructor's: no kernel, about a second a scenario. One
test runs a real kernel on the student release.
"""

import ast
import json
import re
import shutil
from pathlib import Path

import imageio.v3 as iio
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from support import HIDDEN, RELEASE, SOURCE, hidden_cases
from tools import known_mistakes, scenarios

from convgrade.checks import reference
from convgrade.contract import MISTAKE_NAMES

SLICE_SENTENCE = "image[row:row + kh, col:col + kw]"


@pytest.fixture(scope="module")
def selfcheck():
    return known_mistakes.load_selfcheck(SOURCE)


@pytest.fixture(scope="module")
def stored():
    return json.loads((SOURCE / "known_mistakes.json").read_text())


@pytest.fixture(scope="module")
def visible_calls():
    """Every call the visible check cells make to a function the table covers."""
    return known_mistakes.visible_calls(functions=tuple(known_mistakes.KNOWN))


def failures(scenario_name):
    """{check grade_id: its error message} for a catalog scenario's failing visible checks."""
    scenario = scenarios.load(next(scenarios.CATALOG_DIR.glob(f"*/{scenario_name}.py")))
    outcomes = known_mistakes.run_in_process(answers=scenario.cells)
    return {grade_id: str(error) for grade_id, error in outcomes.items() if error is not None}


def named(message):
    """The catalogue's mistake names quoted in a check's message."""
    return {name for name in re.findall(r'"([^"]+)"', message) if name in MISTAKE_NAMES}


@pytest.mark.parametrize(
    "scenario, mistake, check",
    [
        ("flipped_kernel", "flipped kernel", "convolve_asymmetric_kernel"),
        ("kernel_flipped_upside_down", "kernel flipped upside down", "convolve_nonsquare"),
        (
            "same_size_zero_border_centred",
            "same-size output with a zero border",
            "convolve_shape",
        ),
        ("zero_padded_same_size", "zero-padded same-size output", "convolve_small_values"),
        ("uint8_output_array", "uint8 wrap-around", "convolve_uint8"),
        ("uint8_python_int_weights", "uint8 wrap-around", "convolve_uint8"),
        ("output_one_short_both_axes", "output one short", "convolve_shape"),
        ("transposed_output", "transposed output", "convolve_shape"),
        (
            "kernel_width_height_swapped",
            "kernel rows and columns swapped",
            "convolve_nonsquare",
        ),
        ("kernel_assumed_square", "kernel assumed square", "convolve_nonsquare"),
        ("slice_one_too_wide", "window one too large", "convolve_small_values"),
        ("slice_one_row_too_many", "window one too large", "convolve_nonsquare"),
        ("kernel_times_window_one_too_large", "window one too large", "convolve_small_values"),
        ("slice_end_thought_inclusive", "window one too small", "convolve_small_values"),
        ("loops_past_the_edge", "loops run past the edge", "convolve_shape"),
        ("patch_times_kernel_transposed", "transposed kernel", "convolve_nonsquare"),
        ("output_one_short_zeros_left", "output one short", "convolve_small_values"),
        ("kernel_offsets_one_too_many", "window one too large", "convolve_small_values"),
        ("scalar_loops_past_the_edge", "loops run past the edge", "convolve_small_values"),
        ("mean_instead_of_sum", "mean instead of sum", "convolve_small_values"),
        ("total_not_reset", "running total not reset", "convolve_small_values"),
        ("clipped_to_pixel_range", "clipped", "convolve_uint8"),
        ("to_uint8_floor_plus_half", "rounding half away from zero", "to_uint8"),
        ("to_uint8_plain_astype", "wrapped instead of clipped", "to_uint8"),
        ("to_uint8_clip_then_astype", "truncated instead of rounded", "to_uint8"),
    ],
)
def test_a_visible_check_names_the_scenarios_mistake(scenario, mistake, check):
    """Does the visible check where the mistake shows say its name, with the hint?"""
    check = f"check_{check}"
    failed = failures(scenario)
    assert check in failed, f"{check} passed for {scenario}: {sorted(failed)}"
    assert mistake in named(failed[check]), failed[check]


def test_a_name_known_only_by_shape_does_not_claim_the_very_values():
    """On a photo only the wrong shape is stored: is the message honest about that?"""
    message = failures("same_size_zero_border_centred")["check_convolve_photos"]
    assert "This shape is what each of these mistakes gives" in message
    assert "same-size output with a zero border" in named(message)
    assert "exactly" not in message


@pytest.mark.parametrize(
    "scenario, seen",
    [
        ("convolve_strides_from_shape", "a different answer for image[:, :, 0] than for a copy"),
        ("convolve_reuses_output_buffer", "changed an answer it had already returned"),
    ],
)
def test_a_convolve_wrong_only_on_channels_is_named_by_the_colour_check(scenario, seen):
    """A convolve that passes its own checks but goes wrong on image[:, :, c]: does the
    colour check say that convolve is to blame, and what it saw? (Before, it compared the
    channels with the student's own convolve on the same view, and passed.)"""
    failed = failures(scenario)
    assert sorted(failed) == ["check_convolve_color"]
    message = failed["check_convolve_color"]
    assert seen in message
    assert named(message) == {"convolve wrong on channels"}


def _remembering_convolve():
    """A right convolve that hands back the same array whenever it meets the same input."""
    remembered = {}

    def convolve(image, kernel):
        key = (image.tobytes(), image.shape)
        if key not in remembered:
            remembered[key] = reference.convolve(image, kernel)
        return remembered[key]

    return convolve


def _alternating_buffers_convolve():
    """A wrong convolve that fills two output arrays by turns."""
    buffers, calls = {}, []

    def convolve(image, kernel):
        kh, kw = kernel.shape
        shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
        calls.append(None)
        out = buffers.setdefault((shape, len(calls) % 2), np.zeros(shape))
        out[...] = reference.convolve(np.array(image), kernel)
        return out

    return convolve


def _reversed_channels(convolve, image, kernel):
    return np.stack([convolve(image[:, :, c], kernel) for c in (2, 1, 0)], axis=2)


@pytest.mark.parametrize(
    "image",
    [
        np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3),
        np.full((5, 6, 3), 7, dtype=np.uint8),  # every channel alike, each symmetric
        np.dstack([np.tile(np.arange(6), (5, 1))] * 3).astype(np.uint8),  # upside down alike
    ],
    ids=["ramp", "constant", "vertical stripes"],
)
def test_a_convolve_that_remembers_its_answers_is_not_blamed(selfcheck, image):
    """A right convolve that hands back the same array for the same input, under colour code
    that puts the channels in reverse order: the message must not blame convolve, whatever
    the channels hold."""
    convolve = _remembering_convolve()
    kernel = np.array([[1.0, 2.0], [3.0, 5.0]])
    wrong = _reversed_channels(convolve, image + np.arange(3, dtype=np.uint8), kernel)
    with pytest.raises(AssertionError) as raised:
        selfcheck.check_channels(wrong, convolve, image, kernel, "convolve_color")
    assert str(raised.value).startswith("channel 0 of convolve_color: ")
    assert "convolve wrong on channels" not in str(raised.value)


def test_a_convolve_filling_two_arrays_by_turns_is_named(selfcheck):
    """Not one reused array but two: an earlier answer is still overwritten, and named."""
    convolve = _alternating_buffers_convolve()
    image = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    kernel = np.ones((2, 2)) / 4
    stacked = np.stack([convolve(image[:, :, c], kernel) for c in range(3)], axis=2)
    with pytest.raises(AssertionError) as raised:
        selfcheck.check_channels(stacked, convolve, image, kernel, "convolve_color")
    assert "changed an answer it had already returned" in str(raised.value)
    assert named(str(raised.value)) == {"convolve wrong on channels"}


def test_looking_for_the_mistake_leaves_the_students_image_as_it_was(selfcheck):
    """A convolve that writes into its input, under wrong colour code: the extra calls made
    to name a mistake work on a copy, so the notebook's image is unchanged."""

    def convolve(image, kernel):
        answer = reference.convolve(image, kernel)
        image *= 0
        return answer

    image = np.linspace(0, 255, 5 * 6 * 3).reshape(5, 6, 3)
    before = image.copy()
    with pytest.raises(AssertionError):
        selfcheck.check_channels(np.zeros((4, 5, 3)), convolve, image, np.ones((2, 2)), "call")
    # check_channels's own comparison calls convolve on copies too.
    assert np.array_equal(image, before)


def test_a_list_from_convolve_color_gets_the_sentence_not_a_type_error(selfcheck):
    image = np.ones((4, 4, 3))
    with pytest.raises(AssertionError, match=r"call returned a list; return a numpy array"):
        selfcheck.check_channels(
            [[[0.0] * 3] * 3] * 3, reference.convolve, image, np.ones((2, 2)), "call"
        )


def test_colour_code_mistakes_are_not_blamed_on_convolve():
    """The catalog's colour-code mistakes that fail the colour check name no convolve
    mistake: their convolve answers views and copies alike. (Some, such as changing a
    float input, show only in the hidden checks.)"""
    colour = sorted(scenarios.CATALOG_DIR.glob("faulty/color_*.py"))
    messages = {path.stem: failures(path.stem).get("check_convolve_color") for path in colour}
    failed = {name: message for name, message in messages.items() if message is not None}
    assert len(failed) >= 8, sorted(messages)
    blamed = [name for name, message in failed.items() if "convolve wrong" in message]
    assert blamed == []


def test_a_mixed_up_window_slice_gets_a_sentence_not_numpys_error():
    """Does image[r:r + kh, c:c + kh] on a non-square kernel get the slicing sentence?"""
    message = failures("window_width_uses_kh")["check_convolve_nonsquare"]
    assert message.startswith("convolve: numpy could not multiply arrays of shapes (2,2) and (2,3)")
    assert SLICE_SENTENCE in message
    assert "operands could not be broadcast" not in message


def test_the_broadcast_error_stays_attached_below_the_sentence(selfcheck):
    """Is numpy's own error, with its traceback, chained to the sentence?"""

    def convolve(image, kernel):
        return image[0:2, 0:2] * kernel

    with pytest.raises(AssertionError, match=re.escape(SLICE_SENTENCE)) as raised:
        selfcheck.run(convolve, np.ones((4, 6)), np.ones((2, 3)))
    assert isinstance(raised.value.__cause__, ValueError)
    assert "could not be broadcast" in str(raised.value.__cause__)


def test_other_errors_pass_through_unchanged(selfcheck):
    """Is an error selfcheck cannot explain raised as the student's code raised it?"""

    def convolve(image, kernel):
        raise ValueError("my own message")

    with pytest.raises(ValueError, match="my own message"):
        selfcheck.run(convolve, np.ones((3, 3)), np.ones((2, 2)))


# A helper in a cell added below the notebook is not defined yet when the check cells run
# in order: the notebook's checks fail there, and rightly (the grader calls the functions
# once every cell has run).
CORRECT = sorted(
    p.stem
    for p in (scenarios.CATALOG_DIR / "correct").glob("*.py")
    if not any(cell.startswith("new-cell") for cell in scenarios.load(p).cells)
)


@pytest.mark.parametrize("scenario", CORRECT)
def test_a_correct_solution_passes_every_check_and_names_nothing(scenario):
    """Does every correct answer in the catalog pass all twelve visible checks in process?
    (Red team: a float32 convolve failed the colour check, "expected 149.444, got 149.444",
    on an answer the grader gives full marks.)"""
    path = scenarios.CATALOG_DIR / "correct" / f"{scenario}.py"
    outcomes = known_mistakes.run_in_process(answers=scenarios.load(path).cells)
    assert {g: e for g, e in outcomes.items() if e is not None} == {}
    assert outcomes.printed.count("✓") == 12


def test_the_visible_checks_judge_values_as_the_grader_does(selfcheck):
    """Same tolerance as convgrade/checks/compare.py, on values at every scale; and a value
    that is wrong is shown with enough digits to see how."""
    from convgrade.checks import compare

    rng = np.random.default_rng(5)
    assert selfcheck.RTOL == compare.RTOL
    for scale in (1e-3, 1.0, 150.0, 1e6):
        expected = rng.normal(size=(20, 30)) * scale
        for noise in (1e-8, 1e-7, 1e-6, 1e-5):
            result = expected * (1 + rng.normal(size=expected.shape) * noise)
            np.testing.assert_array_equal(
                selfcheck.values_differ(result, expected),
                compare.wrong_values(result, expected),
            )
            assert selfcheck.tolerance(expected) == compare.tolerance(expected)
    expected = np.full((2, 2), 149.4441)
    with pytest.raises(AssertionError) as wrong:
        selfcheck.check_array(expected + 0.0004, expected, "convolve(x)")
    shown = re.search(r"expected (\S+), got (\S+)\.$", str(wrong.value))
    assert shown[1] != shown[2] and float(shown[2]) == pytest.approx(149.4445, abs=1e-3)
    selfcheck.check_array(expected.astype(np.float32), expected, "float32 is close enough")


def test_no_stored_mistake_matches_the_right_answer(selfcheck, visible_calls):
    """Would a right result on any visible input be called a mistake?"""
    for name, args in visible_calls:
        function = getattr(reference, name)
        names, _ = selfcheck.likely_mistakes(function, args, function(*args))
        assert names == []


def test_the_stored_table_is_what_the_generator_makes_today(stored):
    """Is known_mistakes.json up to date with the check cells and the grader's catalogue?"""
    assert stored == json.loads(known_mistakes.dumps(known_mistakes.build())), (
        "source/convolutions/known_mistakes.json is stale: run `make known-mistakes`"
    )


def test_the_table_holds_only_the_visible_inputs(selfcheck, stored, visible_calls):
    """Is every stored entry keyed by a call that a visible check cell makes?"""
    visible = {selfcheck.fingerprint(name, args) for name, args in visible_calls}
    assert set(stored["calls"]) == visible
    for image, kernel in _hidden_pairs():
        assert selfcheck.fingerprint("convolve", (image, kernel)) not in visible
    for photo in (HIDDEN / "data").glob("*.png"):
        pixels = iio.imread(photo)
        channels = [pixels] if pixels.ndim == 2 else [pixels[..., c] for c in range(3)]
        for channel in channels:
            for kernel in reference.KERNELS.values():
                assert selfcheck.fingerprint("convolve", (channel, kernel)) not in stored["calls"]


def test_the_table_holds_no_hidden_array_or_hidden_answer(stored):
    """Does no stored output equal a hidden array, or a hidden case's right answer?"""
    hidden = [np.asarray(array, dtype=float) for array in hidden_cases().arrays().values()]
    for image, kernel in _hidden_pairs():
        right = (reference.convolve_color if image.ndim == 3 else reference.convolve)(image, kernel)
        hidden += (
            [right[..., channel] for channel in range(right.shape[2])]
            if right.ndim == 3
            else [right]
        )
    # A constant or two-valued array (a kernel of ones, say) matches by chance and tells nothing.
    hidden = [array for array in hidden if len(np.unique(array)) > 2]
    for known in stored["calls"].values():
        for entry in known["outputs"]:
            if entry["values"] is None:
                continue
            values = np.asarray(entry["values"], dtype=float)
            for array in hidden:
                assert not (array.shape == values.shape and np.allclose(array, values)), entry


def _hidden_pairs():
    """Every (image, kernel) the hidden checks store in cases.npz."""
    arrays = hidden_cases().arrays()
    return [
        (arrays[key], arrays[key.removesuffix("_image") + "_kernel"])
        for key in sorted(arrays)
        if key.endswith("_image") and key.removesuffix("_image") + "_kernel" in arrays
    ]


def _reference_code_lines():
    """The code lines of the reference's functions, without docstrings and short generic lines.

    A line like ``kh, kw = kernel.shape`` is in the lesson's own hint, so lines shorter than
    25 characters are left out: they say nothing that the contract does not.
    """
    source = Path(reference.__file__).read_text()
    lines = source.splitlines()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            for line in lines[body[0].lineno - 1 : node.end_lineno]:
                if len(line.strip()) >= 25 and not line.strip().startswith("#"):
                    found.add(line.strip())
    # The output's shape is the contract itself, stated in the lesson and drawn by figures.py.
    return found - {"out_rows, out_cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1"}


def test_the_release_carries_no_reference_code():
    """Is no line of the grader's reference functions anywhere in the student release?"""
    code_lines = _reference_code_lines()
    assert len(code_lines) >= 5, "the reference module changed shape: update this test"
    for path in RELEASE.rglob("*"):
        if path.suffix in {".py", ".ipynb", ".json"}:
            text = path.read_text()
            leaked = [line for line in code_lines if line in text]
            assert leaked == [], f"{path.name} holds reference code: {leaked}"
            assert "convgrade" not in text, f"{path.name} mentions the grader"


def test_the_release_ships_the_table_selfcheck_reads():
    """Does the student get known_mistakes.json next to selfcheck.py, as generated?"""
    assert (RELEASE / "known_mistakes.json").read_bytes() == (
        SOURCE / "known_mistakes.json"
    ).read_bytes()


@pytest.mark.e2e
def test_a_real_kernel_shows_the_name_in_the_check_cells_output(tmp_path):
    """In a real kernel, does the flipped-kernel student see the name under the check?"""
    folder = tmp_path / "convolutions"
    shutil.copytree(RELEASE, folder)
    scenario = scenarios.load(scenarios.CATALOG_DIR / "faulty" / "flipped_kernel.py")
    notebook = nbformat.reads(scenarios.build(scenario), as_version=4)  # build gives the bytes
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    errors = {
        cell.metadata.get("nbgrader", {}).get("grade_id"): output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    }
    error = errors["check_convolve_asymmetric_kernel"]
    assert error.ename == "AssertionError"
    assert 'the mistake "flipped kernel" gives' in error.evalue
    assert set(errors) - {None} == {  # None: the ungraded convolve_fast self-check disagrees
        "check_convolve_small_values",
        "check_convolve_nonsquare",
        "check_convolve_asymmetric_kernel",
    }
    nbformat.validate(notebook)
