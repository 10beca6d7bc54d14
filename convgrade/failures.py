"""What a failed check tells the student: a message, maybe a named mistake and a picture."""


class CheckFailure(AssertionError):
    """A check failed; `message` is written for the student and is safe to show them.

    Parameters
    ----------
    message : str
        One or two sentences: what was expected, what was found, where.
    misconception : str, optional
        The name of the likely mistake, e.g. "flipped kernel".
    picture : bytes or callable returning bytes, optional
        A PNG comparing the expected and the student's image; a callable is drawn only if
        the feedback will show it (one picture per graded cell).
    """

    def __init__(self, message, *, misconception=None, picture=None):
        super().__init__(message + (f" {explain(misconception)}" if misconception else ""))
        self.message = message
        self.misconception = misconception
        self.picture = picture


def explain(misconception):
    """The sentence that names a mistake and says what to fix."""
    from .misconceptions import HINTS

    return f"This looks like a known mistake, {misconception}: {HINTS[misconception]}"


class StudentCodeError(CheckFailure):
    """The student's code raised, hung, crashed or is missing; no result to compare."""
