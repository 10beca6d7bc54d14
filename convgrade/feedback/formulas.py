"""Formulas in markdown as MathML, made when the page is rendered: no script, no network."""

# Feedback pages are read offline, so MathJax from a CDN would leave $$...$$ raw. Each
# formula nbconvert's markdown parser finds is converted with latex2mathml instead, and the
# page's sanitiser (convgrade/feedback/safe_html.py) keeps only an allow-list of MathML.
# Markdown cells come from the submission, so every formula is bounded: one that is too
# long, malformed, uses a command latex2mathml does not know, or comes after the fragment's
# budget is spent is shown as its LaTeX source, as text.

import re

from nbconvert.filters.markdown_mistune import IPythonRenderer

MAX_FORMULA_CHARS = 2000  # LaTeX in one formula; longer ones stay text
# MathML one markdown fragment may gain in all (about 8 characters per LaTeX character):
# conversion stops there, so a fragment of thousands of tiny formulas costs little.
MAX_MATHML_CHARS = 128 * 1024
# latex2mathml writes a command it does not know as an identifier such as <mi>\foo</mi>;
# showing that would pass a typo off as mathematics.
UNKNOWN_COMMAND = re.compile(r">\s*\\")


def latex_to_mathml(latex, display=False):
    """MathML for one formula, or None if it cannot be shown as mathematics.

    Parameters
    ----------
    latex : str
        The formula without its delimiters.
    display : bool
        A display formula (``$$...$$``) rather than one inside a line.

    Returns
    -------
    str or None
        A ``<math>`` element, not yet sanitised; None when the formula is empty, longer
        than MAX_FORMULA_CHARS, malformed, or uses an unknown command.

    Examples
    --------
    >>> latex_to_mathml("k_h").endswith("<msub><mi>k</mi><mi>h</mi></msub></mrow></math>")
    True
    >>> latex_to_mathml(r"\\frac{1}{") is None
    True
    """
    from latex2mathml.converter import convert

    if not latex.strip() or len(latex) > MAX_FORMULA_CHARS:
        return None
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except (Exception, RecursionError):  # latex2mathml raises many kinds on bad input
        return None
    return None if UNKNOWN_COMMAND.search(mathml) else mathml


class FormulaRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with formulas written as MathML, within a budget.

    Use one renderer per fragment: the budget (MAX_MATHML_CHARS) is counted per instance.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mathml_chars = 0

    def _formula(self, latex, display, as_text):
        mathml = None
        if self.mathml_chars < MAX_MATHML_CHARS:
            mathml = latex_to_mathml(latex, display)
        if mathml is None:
            return as_text
        self.mathml_chars += len(mathml)
        return mathml

    def inline_math(self, body):
        return self._formula(body, False, super().inline_math(body))

    def block_math(self, body):
        return self._formula(body, True, super().block_math(body))

    def latex_environment(self, name, body):
        source = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return self._formula(source, True, super().latex_environment(name, body))
