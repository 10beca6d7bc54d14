"""Knock-on failures: a right convolve_color on a wrong convolve is judged with the grader's.

The stand-in (convgrade/sandbox/inside.py) answers only the inputs it was given answers for,
and only during its call; the rule (convgrade/checks/knock_on.py) forgives a colour check
only if it passes with the stand-in, the student's convolve goes wrong on the channels
alone too, and convolve lost one of its own checks; the runner and the cell report keep
the note.
"""

import signal
import textwrap

import numpy as np
import pytest
from reference_styles import REFERENCE_STYLES
from support import LocalAnswers

from convgrade.checks import knock_on, reference, runner
from convgrade.checks.cell_report import cell_outputs
from convgrade.checks.failures import (
    NOTE_PROPERTY,
    CheckFailure,
    StudentCodeError,
    safe_message,
)
from convgrade.checks.submission import Submission
from convgrade.contract import Mistake
from convgrade.sandbox import inside
from convgrade.sandbox.student_process import CallResult, Returned, StudentProcess

RNG = np.random.default_rng(12)
IMAGE = RNG.integers(0, 256, size=(9, 11, 3)).astype(np.uint8)
KERNEL = np.array([[1.0, 0.0, -2.0], [0.5, 1.0, 0.0]])

# A convolve that doubles every sum (wrong everywhere), under an alias too, and two colour
# functions: one right (reaching convolve through the alias), one that keeps whatever it was
# given as convolve and whose convolve then tries the kept one first.
STUDENT = textwrap.dedent(
    """
    import numpy as np

    def convolve(image, kernel):
        kh, kw = kernel.shape
        out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                out[r, c] = 2 * np.sum(image[r:r + kh, c:c + kw] * kernel)
        return out

    conv = convolve
    KEPT = []

    def convolve_color(image, kernel):
        return np.stack([conv(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)

    def keep_and_convolve_color(image, kernel):
        KEPT.append(conv)
        return convolve_color(image, kernel)

    def convolve_with_kept(image, kernel):
        return KEPT[-1](image, kernel)

    def transposed_channels(image, kernel):
        return np.stack([conv(image[:, :, c].T, kernel) for c in range(image.shape[2])], axis=2)
    """
)


def local_answers():
    return LocalAnswers(knock_on.ReferenceAnswers(IMAGE, KERNEL))


@pytest.fixture
def code():
    student = inside.StudentCode()
    header, _ = student.load([{"index": 0, "source": STUDENT, "answer": True}])
    assert header["errors"] == []
    return student


def call_value(reply):
    header, blobs = reply
    assert header["ok"], header
    return inside.array_from_bytes(blobs[0])


def test_stand_in_answers_the_channels_and_is_removed_after_the_call(code):
    original = code.namespace["convolve"]
    answers = local_answers()
    assert not np.allclose(
        call_value(code.call("convolve_color", [IMAGE, KERNEL])),
        reference.convolve_color(IMAGE, KERNEL),
    )
    value = call_value(
        code.call_with_stand_in("convolve_color", [IMAGE, KERNEL], "convolve", answers)
    )
    np.testing.assert_allclose(value, reference.convolve_color(IMAGE, KERNEL))
    # The name and its alias are the student's own again.
    assert code.namespace["convolve"] is original and code.namespace["conv"] is original


def test_kept_stand_in_answers_nothing_after_its_call(code):
    answers = local_answers()
    reply = code.call_with_stand_in("keep_and_convolve_color", [IMAGE, KERNEL], "convolve", answers)
    call_value(reply)
    kept = code.namespace["KEPT"][-1]
    assert isinstance(kept, inside.StandIn)
    # Even on the very channel it answered during the call.
    header, _ = code.call("convolve_with_kept", [IMAGE[:, :, 0], KERNEL])
    assert header["error"]["type"] == "LookupError"
    assert "used after its check ended" in header["error"]["message"]
    assert kept._ask is None and answers.closed and len(answers.asked) == IMAGE.shape[2]


def test_stand_in_refuses_other_inputs_with_a_message_the_feedback_keeps(code):
    answers = local_answers()
    header, _ = code.call_with_stand_in("transposed_channels", [IMAGE, KERNEL], "convolve", answers)
    assert header["error"]["type"] == "LookupError"
    message = header["error"]["message"]
    assert safe_message(message) == message.strip()
    assert "answers only image[:, :, c]" in message


def test_answers_a_channel_in_any_form_that_determines_the_answer():
    """The grader answers one of the check's channels with its kernel however correct colour
    code passes them (red team: keyword calls, float32 copies, transposed channels, /255
    first were charged twice), and each answer is the reference result for what was given."""
    answers = knock_on.ReferenceAnswers(IMAGE, KERNEL)
    channel = IMAGE[:, :, 1].astype(np.float64)
    forms = {
        "as given": (channel, KERNEL),
        "uint8 and a list": (IMAGE[:, :, 1], KERNEL.tolist()),
        "float32 copies": (channel.astype(np.float32), KERNEL.astype(np.float32)),
        "scaled to [0, 1]": (channel / 255.0, KERNEL),
        "kernel scaled": (channel, KERNEL / 3.0),
        "centred on zero": (channel - 127.5, KERNEL),
        "negated": (-channel, -KERNEL),
        "transposed together": (channel.T, KERNEL.T),
        "flipped together": (channel[::-1, ::-1], KERNEL[::-1, ::-1]),
        "rotated together": (np.rot90(channel), np.rot90(KERNEL)),
    }
    for form, (image, kernel) in forms.items():
        found = answers.answer(np.asarray(image), np.asarray(kernel))
        assert found is not None, form
        matched, answer = found
        assert matched == {1}, form
        expected = reference.convolve(np.asarray(image, np.float64), np.asarray(kernel, np.float64))
        np.testing.assert_allclose(answer, expected, rtol=1e-9, atol=1e-9, err_msg=form)


@pytest.mark.parametrize(
    "form",
    [
        "transposed image only",
        "transposed kernel only",
        "flipped kernel",
        "another image",
        "zeros",
        "a constant",
        "one value changed",
        "text",
        "cut short",
        "nan",
        "too large",
        "other values far offset",
        "values that overflow",
        "a kernel that overflows",
    ],
)
def test_refuses_anything_else(form):
    """No answer for inputs that are not the check's channel and kernel, in any form."""
    answers = knock_on.ReferenceAnswers(IMAGE, KERNEL)
    channel = IMAGE[:, :, 0].astype(np.float64)
    changed = channel.copy()
    changed[3, 4] += 1.0
    nan = channel.copy()
    nan[0, 0] = np.nan
    forms = {
        "transposed image only": (channel.T, KERNEL),
        "transposed kernel only": (channel, KERNEL.T),
        "flipped kernel": (channel, KERNEL[::-1, ::-1]),
        "another image": (RNG.integers(0, 256, size=channel.shape).astype(float), KERNEL),
        "zeros": (np.zeros_like(channel), KERNEL),
        "a constant": (np.full_like(channel, 7.0), KERNEL),
        "one value changed": (changed, KERNEL),
        "text": (np.array([["a"]]), KERNEL),
        "cut short": (channel[:-1], KERNEL),
        "nan": (nan, KERNEL),
        "too large": (np.tile(channel, (3, 3)), KERNEL),
        "other values far offset": (RNG.normal(size=channel.shape) * 100 + 1e12, KERNEL),
        "values that overflow": (np.full(channel.shape, 1e308), KERNEL),
        "a kernel that overflows": (channel, KERNEL * 1e307),
    }
    assert answers.answer(*forms[form]) is None


def test_the_stand_in_takes_the_students_own_parameters(code):
    """Called as the student's convolve is declared: by its own keyword names, with an
    optional argument more, through *args; the image and kernel are its first two."""
    source = textwrap.dedent(
        """
        import numpy as np

        def convolve(img, k, dtype=np.float64):
            return 2 * np.ones((img.shape[0] - k.shape[0] + 1, img.shape[1] - k.shape[1] + 1))

        def by_keyword(image, kernel):
            return np.stack([convolve(img=image[:, :, c], k=kernel) for c in range(3)], axis=2)

        def with_dtype(image, kernel):
            return np.stack(
                [convolve(image[:, :, c], kernel, np.float64) for c in range(3)], axis=2
            )

        def keyword_kernel_first(image, kernel):
            return np.stack([convolve(k=kernel, img=image[:, :, c]) for c in range(3)], axis=2)
        """
    )
    student = inside.StudentCode()
    header, _ = student.load([{"index": 0, "source": source, "answer": True}])
    assert header["errors"] == []
    for name in ("by_keyword", "with_dtype", "keyword_kernel_first"):
        answers = local_answers()
        reply = student.call_with_stand_in(name, [IMAGE, KERNEL], "convolve", answers)
        np.testing.assert_allclose(call_value(reply), reference.convolve_color(IMAGE, KERNEL))
        assert answers.asked == [{0}, {1}, {2}], name


def test_stand_in_travels_through_the_sandboxed_worker():
    cells = [{"index": 0, "source": STUDENT, "answer": True, "label": "your code"}]
    with StudentProcess(cells, call_timeout=5.0) as process:
        stand_in = ("convolve", knock_on.ReferenceAnswers(IMAGE, KERNEL))
        result = process.call("convolve_color", IMAGE, KERNEL, stand_in=stand_in)
        np.testing.assert_allclose(result.value.array, reference.convolve_color(IMAGE, KERNEL))
        np.testing.assert_array_equal(result.args_after[0], IMAGE)
        again = process.call("convolve_color", IMAGE, KERNEL)  # the student's convolve again
        np.testing.assert_allclose(again.value.array, 2 * reference.convolve_color(IMAGE, KERNEL))


class FakeStudent:
    """Answers convolve_color from `plain` and, with a stand-in, from `substituted`."""

    def __init__(self, plain, substituted):
        self.plain, self.substituted, self.stand_ins = plain, substituted, []

    def call(self, name, image, kernel, stand_in=None):
        if name == "convolve":  # the rule's call of convolve on each channel alone
            self.alone_calls += 1
            result = reference.convolve(image, kernel) * (1 if self.right_alone else 2)
            return CallResult(Returned("ndarray", result), args_after=[image, kernel])
        self.stand_ins.append(stand_in)
        function = self.plain if stand_in is None else self.substituted
        # The substitute stands for colour code that asked for every channel.
        complete = None if stand_in is None else self.asks_every_channel
        return CallResult(Returned("ndarray", function(image, kernel)), stand_in_complete=complete)

    asks_every_channel = True
    right_alone = False  # whether its convolve is right on each channel passed alone
    alone_calls = 0


class Node:
    def __init__(self):
        self.user_properties = []


def check_values(result):
    if not np.allclose(result.value.array, reference.convolve_color(IMAGE, KERNEL)):
        raise CheckFailure("wrong values", misconception=Mistake.FLIPPED_KERNEL)


def wrong(image, kernel):
    return 2 * reference.convolve_color(image, kernel)


def test_rule_forgives_a_check_that_passes_with_the_graders_convolve():
    student, node = FakeStudent(wrong, reference.convolve_color), Node()
    knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    ((name, note),) = node.user_properties
    assert name == NOTE_PROPERTY and note.misconception is Mistake.FIX_CONVOLVE_FIRST
    assert "counts as passed" in note.message and "(flipped kernel, it seems): wrong values" in (
        note.message
    )
    table = student.stand_ins[1][1]
    assert student.stand_ins[1][0] == "convolve" and len(table) == IMAGE.shape[2]


def test_rule_fails_a_check_whose_convolve_is_right_on_each_channel_alone():
    student, node = FakeStudent(wrong, reference.convolve_color), Node()
    student.right_alone = True
    with pytest.raises(CheckFailure) as failure:
        knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    assert failure.value.misconception is Mistake.CONVOLVE_WRONG_ON_CHANNELS
    assert failure.value.message.startswith("Your convolve is right on each channel passed alone")
    assert failure.value.message.endswith("With your convolve: wrong values")
    # Each channel, in uint8 and in the three dtypes that hold its values.
    assert node.user_properties == [] and student.alone_calls == IMAGE.shape[2] * 4


def test_convolve_alone_is_called_only_in_dtypes_that_keep_the_values():
    assert knock_on._probe_dtypes(IMAGE) == ["uint8", "float64", "int64", "float32"]
    fractions = IMAGE / 7
    assert knock_on._probe_dtypes(fractions) == ["float64"]
    assert knock_on._probe_dtypes(fractions.astype("float32")) == ["float32", "float64"]


class NoAnswerAlone(FakeStudent):
    """Its convolve, called alone, returns an int: no answer to stack."""

    def call(self, name, image, kernel, stand_in=None):
        if name == "convolve":
            self.alone_calls += 1
            return CallResult(Returned("int"))
        return super().call(name, image, kernel, stand_in)


def test_rule_stops_calling_convolve_alone_at_the_first_channel_that_is_no_answer():
    student, node = NoAnswerAlone(wrong, reference.convolve_color), Node()
    knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    assert student.alone_calls == 1 and len(node.user_properties) == 1


class Barred(FakeStudent):
    """Its convolve_color is refused at once, barred after earlier calls ended the process."""

    def call(self, name, image, kernel, stand_in=None):
        if name == "convolve_color" and stand_in is None:
            raise StudentCodeError("convolve_color was not called again", called=False)
        return super().call(name, image, kernel, stand_in)


def test_rule_does_not_judge_a_refused_call_by_convolve_alone():
    """No colour code ran on this input, so convolve being right on it alone says nothing:
    the check is forgiven as before, and `settle` still applies to it."""
    student, node = Barred(wrong, reference.convolve_color), Node()
    student.right_alone = True
    knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    ((_, note),) = node.user_properties
    assert student.alone_calls == 0 and note.failure is not None


def test_rule_keeps_the_first_failure_when_the_colour_code_is_wrong_too():
    student, node = (
        FakeStudent(wrong, lambda i, k: reference.convolve_color(i, k)[:, :, ::-1]),
        Node(),
    )
    with pytest.raises(CheckFailure, match="wrong values"):
        knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    assert node.user_properties == []


def test_rule_keeps_the_first_failure_when_not_every_channel_was_asked_for():
    student, node = FakeStudent(wrong, reference.convolve_color), Node()
    student.asks_every_channel = False
    with pytest.raises(CheckFailure, match="wrong values"):
        knock_on.judge_color(student, IMAGE, KERNEL, check_values, "convolve_color on x", node)
    assert node.user_properties == []


def results_of_a_run(*, convolve_check_fails):
    """CheckResults as the runner keeps them: a convolve check, a check calling only
    convolve_color that failed for its own reason, and a forgiven knock-on."""
    first = CheckFailure("4691 of 4692 values are wrong", misconception=Mistake.FLIPPED_KERNEL)
    return [
        runner.CheckResult(
            "test_small",
            "check_convolve_small_values",
            not convolve_check_fails,
            called=frozenset({"convolve"}),
        ),
        runner.CheckResult(
            "test_dtype",
            "check_convolve_color_dtype",
            False,
            "float32",
            called=frozenset({"convolve_color"}),
        ),
        runner.CheckResult(
            "test_photo",
            "check_convolve_color",
            True,
            "right with the grader's convolve",
            Mistake.FIX_CONVOLVE_FIRST,
            called=frozenset({"convolve_color"}),
            forgiven=first,
        ),
    ]


def test_settle_keeps_a_knock_on_forgiven_when_convolve_lost_its_own_check():
    results = results_of_a_run(convolve_check_fails=True)
    assert knock_on.settle(results) == results


def test_settle_fails_a_knock_on_when_convolve_lost_none_of_its_own_checks():
    """A failed check that called only convolve_color says nothing about convolve."""
    small, dtype, photo = knock_on.settle(results_of_a_run(convolve_check_fails=False))
    assert small.passed and dtype.message == "float32"
    assert not photo.passed and photo.forgiven is None and photo.also == ()
    assert photo.misconception is Mistake.CONVOLVE_WRONG_ON_CHANNELS
    assert photo.message.startswith("Your convolve passes its own checks but goes wrong as ")
    assert photo.message.endswith("With your convolve: 4691 of 4692 values are wrong")


# Honest convolve functions in ways the catalog's scenarios do not write, through the whole
# hidden suite in the sandbox: which of convolve's own cells lose, and whether the colour
# cell loses for "convolve wrong on channels" (a mistake that shows only as convolve_color
# calls convolve) or keeps its points with a "fix convolve first" note (convolve's own).
HONEST_CONVOLVES = {
    "strides of a new array": (
        """
        from numpy.lib.stride_tricks import as_strided

        def convolve(image, kernel):
            kh, kw = kernel.shape
            shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
            row_step, column_step = np.empty(image.shape, image.dtype).strides
            windows = as_strided(
                image, shape + kernel.shape, (row_step, column_step, row_step, column_step)
            )
            return (windows * kernel).sum(axis=(2, 3)).astype(float)
        """,
        set(),
        "loses",
    ),
    "accumulates into a kept array": (
        """
        _total = {}

        def convolve(image, kernel):
            kh, kw = kernel.shape
            shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
            if shape not in _total:
                _total[shape] = np.zeros(shape)
            out = _total[shape]
            out *= 0
            for i in range(kh):
                for j in range(kw):
                    out += kernel[i, j] * image[i:i + shape[0], j:j + shape[1]]
            return out
        """,
        set(),
        "loses",
    ),
    # Two mistakes: a second, unrelated one in convolve's own checks must not buy back the
    # colour points (red team: it did, so fixing the dtype slip cost a point overall).
    "refuses views and keeps the kernel's dtype": (
        """
        def convolve(image, kernel):
            if not image.flags.c_contiguous:
                raise ValueError("expected a C-contiguous image")
            kh, kw = kernel.shape
            out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=kernel.dtype)
            for r in range(out.shape[0]):
                for c in range(out.shape[1]):
                    out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
            return out
        """,
        {"check_convolve_dtype"},
        "loses",
    ),
    # Convolve's own mistake, met only in the dtype the colour code converts to: an output
    # array of the input's dtype, int here (red team: the uint8 probe charged it twice).
    "keeps the input's dtype, int from the colour code": (
        """
        def convolve(image, kernel):
            kh, kw = kernel.shape
            out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)
            for r in range(out.shape[0]):
                for c in range(out.shape[1]):
                    out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
            return out

        def convolve_color(image, kernel):  # "so that uint8 sums cannot wrap"
            return np.stack(
                [convolve(image[:, :, c].astype(int), kernel) for c in range(image.shape[2])],
                axis=2,
            )
        """,
        {
            "check_convolve_dtype",
            "check_convolve_edge_sizes",
            "check_convolve_photos",
            "check_convolve_uint8",
        },
        "forgiven",
    ),
    # One mistake, convolve's own: the colour dtype check fails with it and is forgiven.
    "keeps the kernel's dtype": (
        """
        def convolve(image, kernel):
            kh, kw = kernel.shape
            out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=kernel.dtype)
            for r in range(out.shape[0]):
                for c in range(out.shape[1]):
                    out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
            return out
        """,
        {"check_convolve_dtype"},
        "forgiven",
    ),
}
RIGHT_COLOR = """
def convolve_color(image, kernel):
    return np.stack([convolve(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
"""


@pytest.mark.parametrize("name", sorted(HONEST_CONVOLVES))
def test_the_colour_cell_pays_only_for_what_convolve_does_wrong_as_convolve_color_calls_it(name):
    code, convolve_cells_lost, colour = HONEST_CONVOLVES[name]
    code = textwrap.dedent(code)
    source = "import numpy as np\n" + code + ("" if "convolve_color" in code else RIGHT_COLOR)
    cells = [{"index": 0, "source": source, "answer": True, "label": "your code"}]
    with Submission(cells, call_timeout=5.0) as submission:
        groups = runner.run_hidden_checks(submission)
    lost = {name for name, group in groups.items() if group.failures}
    own = {name for name in lost if name.startswith("check_convolve") and "color" not in name}
    assert own == convolve_cells_lost
    color = groups["check_convolve_color"]
    if colour == "loses":
        named = {result.misconception for result in color.failures}
        assert named == {Mistake.CONVOLVE_WRONG_ON_CHANNELS}
        # A colour check whose own test convolve fails alone too stays forgiven: its dtype.
        assert all(note.name.startswith("test_color_returns_float") for note in color.notes)
    else:
        assert not color.failures and color.notes
        assert {note.misconception for note in color.notes} == {Mistake.FIX_CONVOLVE_FIRST}


# Colour code that does not compute its channels, in the worker, and what the grader's side
# of the stand-in hands out to each (nothing to any of them).
NO_COLOUR_CODE = {
    "stacks the stand-in's table": (
        "return np.stack(list(vars(convolve)['_answers'].values()), axis=2)"
    ),
    "asks with keys it makes up": (
        "ask = vars(convolve)['_ask']\n"
        "    got = [ask(str(c) * 64) for c in range(image.shape[2])]\n"
        "    return np.stack(got, axis=2)"
    ),
    "searches the process for answers": (
        "import gc\n"
        "    found = [o for o in gc.get_objects() if isinstance(o, np.ndarray)\n"
        "             and o.shape == (image.shape[0] - 1, image.shape[1] - 2)]\n"
        "    return np.stack(found[-image.shape[2]:], axis=2)"
    ),
}


@pytest.mark.parametrize("trick", sorted(NO_COLOUR_CODE))
def test_colour_code_that_computes_no_channel_gets_no_answer(trick):
    source = STUDENT + f"\ndef tricky_color(image, kernel):\n    {NO_COLOUR_CODE[trick]}\n"
    cells = [{"index": 0, "source": source, "answer": True, "label": "your code"}]
    with StudentProcess(cells, call_timeout=5.0) as process:
        stand_in = ("convolve", knock_on.ReferenceAnswers(IMAGE, KERNEL))
        try:
            result = process.call("tricky_color", IMAGE, KERNEL, stand_in=stand_in)
        except StudentCodeError:
            return  # it raised: no answers to stack
        right = reference.convolve_color(IMAGE, KERNEL)
        assert not result.stand_in_complete
        assert (
            result.value.array is None
            or result.value.array.shape != right.shape
            or not (np.allclose(result.value.array, right))
        )


def test_the_grader_hands_out_each_channel_only_when_asked():
    cells = [{"index": 0, "source": STUDENT, "answer": True, "label": "your code"}]
    with StudentProcess(cells, call_timeout=5.0) as process:
        table = knock_on.ReferenceAnswers(IMAGE, KERNEL)
        for name, complete in (("convolve_color", True), ("transposed_channels", False)):
            try:
                result = process.call(name, IMAGE, KERNEL, stand_in=("convolve", table))
            except StudentCodeError:
                assert not complete
            else:
                assert result.stand_in_complete is complete


def test_rule_does_not_retry_a_right_answer_or_a_library_routine():
    student, node = FakeStudent(reference.convolve_color, wrong), Node()
    knock_on.judge_color(student, IMAGE, KERNEL, check_values, "call", node)
    assert student.stand_ins == [None] and node.user_properties == []

    def refused(result):
        raise StudentCodeError("uses scipy", misconception=Mistake.LIBRARY_ROUTINE)

    student = FakeStudent(wrong, reference.convolve_color)
    with pytest.raises(StudentCodeError, match="uses scipy"):
        knock_on.judge_color(student, IMAGE, KERNEL, refused, "call", node)
    assert student.stand_ins == [None]


def test_runner_keeps_the_note_and_the_cell_report_shows_it(tmp_path):
    (tmp_path / "test_noted.py").write_text(
        textwrap.dedent(
            f"""
            import pytest
            from convgrade.checks.failures import CheckNote
            from convgrade.contract import Mistake

            @pytest.mark.group("colour")
            def test_noted(request):
                request.node.user_properties.append(
                    ({NOTE_PROPERTY!r}, CheckNote("right with the grader's convolve",
                                                  Mistake.FIX_CONVOLVE_FIRST))
                )

            @pytest.mark.group("colour")
            def test_plain():
                pass
            """
        )
    )
    (tmp_path / "conftest.py").write_text(
        "from convgrade.checks import runner\n"
        "def pytest_configure(config):\n"
        "    config.addinivalue_line('markers', 'group(name): graded cell')\n"
        "    runner.register_collector(config)\n"
    )
    groups = runner.run_hidden_checks(object(), tmp_path)
    group = groups["colour"]
    assert group.passed == 2 and group.failures == []
    (noted,) = group.notes
    assert noted.misconception is Mistake.FIX_CONVOLVE_FIRST
    report, score = cell_outputs(group, 2.0)
    assert score["data"]["text/plain"] == "2.0"
    text, page = report["data"]["text/plain"], report["data"]["text/html"]
    assert "passed, with a note: [fix convolve first] right with the grader's convolve" in text
    assert f"About fix convolve first: {Mistake.FIX_CONVOLVE_FIRST.hint}" in text
    assert "How to fix fix" not in text and "How to fix fix" not in page
    assert "Passed, with a note: fix convolve first.</b>" in page
    assert "About fix convolve first:</b>" in page


def test_an_unwritten_convolve_is_not_called_an_unwritten_convolve_color():
    """convolve_color on a convolve that still raises NotImplementedError: the message (and
    so the knock-on note) points at the stub's cell, not at convolve_color."""
    cells = [
        {
            "index": 0,
            "label": "your convolve cell",
            "answer": True,
            "source": "def convolve(image, kernel):\n    raise NotImplementedError\n",
        },
        {
            "index": 1,
            "label": "your convolve_color cell",
            "answer": True,
            "source": "import numpy as np\n\n"
            "def convolve_color(image, kernel):\n"
            "    return np.stack([convolve(image[:, :, c], kernel) for c in range(3)], axis=2)\n"
            "\n\ndef to_uint8(values):\n    raise NotImplementedError\n",
        },
    ]
    with StudentProcess(cells, call_timeout=5.0) as process:
        with pytest.raises(StudentCodeError) as colour:
            process.call("convolve_color", IMAGE, KERNEL)
        with pytest.raises(StudentCodeError) as own:
            process.call("to_uint8", IMAGE)
    assert str(colour.value).startswith("convolve_color calls code that is not written yet")
    assert "your convolve cell, line 2: raise NotImplementedError" in str(colour.value)
    assert str(own.value).startswith("to_uint8 is not written yet")


def test_a_hanging_convolve_costs_once_and_the_colour_checks_are_judged_with_the_graders():
    """convolve loops forever: the first colour check's plain call is stopped at its limit,
    and its retry with the stand-in is not refused for that hang (the stand-in runs other
    code). Every later colour check is refused the plain call at once and judged with the
    grader's convolve, so the hang costs one time limit, and the note says where it was."""
    source = (
        "import numpy as np\n\n"
        "def convolve(image, kernel):\n"
        "    while True:\n"
        "        pass\n\n"
        "def convolve_color(image, kernel):\n"
        "    return np.stack([convolve(image[:, :, c], kernel) for c in range(3)], axis=2)\n"
    )
    cells = [{"index": 0, "source": source, "answer": True, "label": "your code"}]
    notes = []
    with StudentProcess(cells, call_timeout=1.0, budget=20.0) as process:
        for _ in range(3):
            node = Node()
            knock_on.judge_color(process, IMAGE, KERNEL, check_values, "convolve_color", node)
            notes += [note for _, note in node.user_properties]
        assert process.timeouts == {"convolve_color": 1}, "stopped once, then refused at once"
        assert process.spent < 1.0 + 1.5, "one time limit, plus reloads and stand-in calls"
    assert len(notes) == 3
    assert all(note.misconception is Mistake.FIX_CONVOLVE_FIRST for note in notes)
    # Slowness adding up over channels is no wrong result: no note keeps a failure for
    # knock_on.settle to restore, and convolve is not called alone (its limit again).
    assert all(note.failure is None for note in notes)
    assert "the loop that does not end is in your convolve" in notes[0].message
    assert "did not finish within" in notes[0].message
    assert "was not called again" in notes[2].message
    assert "costs its time limit once" in notes[2].message


@pytest.mark.parametrize("style", REFERENCE_STYLES)
def test_colour_code_holding_convolve_outside_the_globals_is_judged_with_the_graders(style):
    """The stand-in is reached through a default argument, a closure, a container, a partial
    or a class too: during its call the student's function object itself forwards to it,
    and afterwards it is the student's convolve again."""
    source = STUDENT.split("conv = convolve")[0] + REFERENCE_STYLES[style]
    cells = [{"index": 0, "source": source, "answer": True, "label": "your code"}]
    with StudentProcess(cells, call_timeout=5.0, budget=30.0) as process:
        node = Node()
        knock_on.judge_color(process, IMAGE, KERNEL, check_values, "convolve_color", node)
        assert [note.misconception for _, note in node.user_properties] == [
            Mistake.FIX_CONVOLVE_FIRST
        ]
        doubled = process.call("convolve_color", IMAGE, KERNEL).value.array
    np.testing.assert_allclose(doubled, 2 * reference.convolve_color(IMAGE, KERNEL))


def test_colour_code_that_never_reads_the_answers_cannot_stall_the_grader():
    """Asks written one at a time and never read: the grader's answers fill the worker's
    pipe. Its writes keep the call's limits, as its reads do (red team: the grader blocked
    in a full pipe for good, and with it the whole batch)."""
    source = STUDENT + textwrap.dedent(
        """
        import threading

        def flood_color(image, kernel):
            ask = vars(convolve)["_ask"]
            names = type(ask).__call__.__globals__
            blobs = [
                names["array_to_bytes"](np.asarray(image[:, :, 0], float)),
                names["array_to_bytes"](np.asarray(kernel, float)),
            ]
            for _ in range(40):
                names["write_message"](ask.replies, {"op": "ask", "id": ask.request_id}, blobs)
                threading.Event().wait(0.05)
            threading.Event().wait()
        """
    )
    image = np.random.default_rng(12).integers(0, 256, size=(40, 40, 3)).astype(np.uint8)
    kernel = np.ones((3, 3))
    cells = [{"index": 0, "source": source, "answer": True, "label": "your code"}]

    def stalled(signum, frame):
        raise AssertionError("the grader is still writing into a pipe nobody reads")

    # In this thread: bwrap's --die-with-parent ends a spare worker started from another
    # thread when that thread ends. The alarm is a liveness bound, far above the call's 3 s
    # of wall-clock time.
    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(120)
    try:
        with StudentProcess(cells, call_timeout=1.0) as process:
            stand_in = ("convolve", knock_on.ReferenceAnswers(image, kernel))
            with pytest.raises(StudentCodeError, match="did not finish within"):
                process.call("flood_color", image, kernel, stand_in=stand_in)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
