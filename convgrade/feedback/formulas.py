"""Formulas in markdown as MathML, made when the page is rendered: no script, no network."""

# Feedback pages are read offline, so MathJax from a CDN would leave $$...$$ raw. Each
# formula nbconvert's markdown parser finds is converted with latex2mathml instead.
# Markdown cells come from the submission, so every formula is bounded: one that is too
# long, malformed, uses a command latex2mathml does not know, or comes after the fragment's
# budget is spent is shown as its LaTeX source, as text. The only MathML a page keeps is
# what latex2mathml made: the renderer leaves an unguessable placeholder where each formula
# goes, the markdown is cleaned with no MathML allowed (so MathML a student typed is
# dropped like any unknown tag), and each formula, cleaned on its own, is put back after.

import html
import re
import secrets

from nbconvert.filters.markdown_mistune import IPythonRenderer

MAX_FORMULA_CHARS = 2000  # LaTeX in one formula; longer ones stay text
# MathML one markdown fragment may gain in all (about 8 characters per LaTeX character):
# conversion stops there, so a fragment of thousands of tiny formulas costs little.
MAX_MATHML_CHARS = 128 * 1024
# Every conversion is charged before it runs, as the MathML it would be expected to make
# (a fixed cost plus about 8 characters per LaTeX character), and the charge is corrected
# to the real length when it succeeds: a formula that fails adds no MathML but still
# spends the budget, so a cell of 52,000 copies of `$\\x$` (1.4 s of pure-Python
# conversion, on every page view) stops after about 1,600 attempts.
ATTEMPT_CHARS = 64
MATHML_PER_LATEX_CHAR = 8
# latex2mathml writes a command it does not know as an identifier such as <mi>\foo</mi>;
# showing that would pass a typo off as mathematics.
UNKNOWN_COMMAND = re.compile(r">\s*\\")
# A start or end tag as the sanitiser serialises it: attribute values in double quotes.
TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
START_TAG = re.compile(r"<[A-Za-z]")


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
    """nbconvert's markdown renderer with formulas as placeholders for MathML, within a budget.

    Use one renderer per fragment: the budget (MAX_MATHML_CHARS) is counted per instance.
    Clean the rendered HTML with no MathML allowed, then call `put_back`.

    `charge`, if given, is called with the start tags of each formula's MathML as it is made
    and says whether the page can hold them (convgrade.feedback.safe_html.charge_page_tags).
    A formula it refuses stays text, and so does every later one of the fragment: put back
    after the page's tags were counted, formulas were once never counted, and 97 cells of
    ``$x$`` made a formgrader page of 398,000 tags, 27 s a view (red team).
    """

    def __init__(self, *args, charge=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._charge = charge
        self.spent = 0  # characters charged against MAX_MATHML_CHARS
        self.formulas = []  # (LaTeX shown as text, MathML) for each placeholder, in order
        # Letters and digits only, so the sanitiser keeps it as text; new for every page.
        self._marker = f"convgradeformula{secrets.token_hex(12)}n"
        self._placeholder = re.compile(f"{self._marker}(?P<index>\\d+)e")

    def _formula(self, latex, display, as_text):
        if self.spent >= MAX_MATHML_CHARS:
            return as_text
        expected = ATTEMPT_CHARS + MATHML_PER_LATEX_CHAR * len(latex)
        self.spent += expected
        mathml = latex_to_mathml(latex, display)
        if mathml is None:
            return as_text
        if self._charge is not None and not self._charge(len(START_TAG.findall(mathml))):
            self.spent = MAX_MATHML_CHARS  # the page is full: no more conversions
            return as_text
        self.spent += len(mathml) - expected
        self.formulas.append((as_text, mathml))
        return f"{self._marker}{len(self.formulas) - 1}e"

    def put_back(self, cleaned, clean_formula):
        """Replace each placeholder in `cleaned` HTML by its formula's MathML.

        Parameters
        ----------
        cleaned : str
            The rendered markdown after the sanitiser, which writes every attribute value
            in double quotes (a ``"`` inside one as ``&quot;``).
        clean_formula : callable
            Sanitises one formula's MathML (str to str).

        Returns
        -------
        str
            The HTML with MathML where the formulas were; a placeholder that ended up inside
            a tag (a heading's anchor id) gets the formula's LaTeX as text instead.
        """

        def formula(match):
            return clean_formula(self.formulas[int(match["index"])][1])

        def as_text(match):
            return html.escape(html.unescape(self.formulas[int(match["index"])][0]), quote=True)

        def replace(match):
            if match["tag"] is not None:
                return self._placeholder.sub(as_text, match["tag"])
            return formula(match)

        pattern = re.compile(f"(?P<tag>{TAG.pattern})|{self._placeholder.pattern}")
        return pattern.sub(replace, cleaned)

    def inline_math(self, body):
        return self._formula(body, False, super().inline_math(body))

    def block_math(self, body):
        return self._formula(body, True, super().block_math(body))

    def latex_environment(self, name, body):
        source = f"\\begin{{{name}}}{body}\\end{{{name}}}"
        return self._formula(source, True, super().latex_environment(name, body))
