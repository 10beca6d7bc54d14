"""Text from a notebook made safe for a terminal line, an HTML page, a plot label or a CSV cell."""

import re
import unicodedata

# Control characters (C0, C1: ESC starts ANSI and OSC sequences, \r rewrites the line),
# format characters (bidi overrides and isolates, zero-width), lone surrogates (which
# cannot be printed at all), unassigned code points, and line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
DEFAULT_LIMIT = 300
ELLIPSIS = "…"


def _escape(char):
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def plain(text, limit=DEFAULT_LIMIT):
    """One line of inert text: every unsafe character shown as its escape, cut to `limit`.

    Parameters
    ----------
    text : object
        Anything; it is converted with str() first.
    limit : int or None
        Maximum length of the result, counting the final ellipsis; None keeps it whole.

    Returns
    -------
    str
        Printable text with no control, format or separator characters: an ANSI or OSC
        sequence, a carriage return or a bidi override cannot act on the terminal or page.

    Examples
    --------
    >>> plain("red\\x1b[31m text\\r\\u202e")
    'red\\\\x1b[31m text\\\\x0d\\\\u202e'
    >>> plain("x" * 10, limit=5)
    'xxxx…'
    """
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # a hostile __str__ must not stop a report
            text = f"<unprintable {type(text).__name__}>"
    if limit is not None and len(text) > 4 * limit:
        text = text[: 4 * limit]  # each character escapes to at most 10; no need for more
    out = "".join(
        _escape(char) if unicodedata.category(char) in UNSAFE_CATEGORIES else char for char in text
    )
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + ELLIPSIS
    return out


def label(text, limit=60):
    """plain() for a matplotlib label: `$` no longer starts mathtext, which could fail to parse.

    Examples
    --------
    >>> label("costs $5 and $\\\\frac{1}{0}$")
    'costs \\\\$5 and \\\\$\\\\frac{1}{0}\\\\$'
    """
    return plain(text, limit).replace("$", r"\$")


# A spreadsheet opening a CSV runs a cell starting with one of these as a formula (OWASP,
# "CSV Injection"); tab, CR and LF because some spreadsheets skip them, as they skip
# leading spaces, before looking for the formula sign.
FORMULA_SIGNS = frozenset("=+-@")
FORMULA_STARTS = frozenset("\t\r\n")
# A cell that is only a decimal number is read as that number, never as a formula.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# A formula sign after another locale's separator: Excel in a German or French locale
# splits a comma file at ';', so "Ng;=HYPERLINK(...)" is two cells there, the second a
# formula (red team). Such a sign gets its own ' too.
INNER_FORMULA = re.compile(r"([,;\t|]\s*)(?=[=+\-@])")


def spreadsheet_cell(value):
    """A CSV cell a spreadsheet shows as written and never runs: text that would start a
    formula gets a leading ``'``, and so does a formula sign after a separator of any
    locale's CSV; numbers, and text that is only a number, stay numbers.

    Every CSV the project writes passes each cell through here.

    Parameters
    ----------
    value : str, int, float or None
        None is an empty cell; anything else that is not a number is written as str().

    Returns
    -------
    str, int or float

    Examples
    --------
    >>> spreadsheet_cell("=HYPERLINK(1)"), spreadsheet_cell(" -2+3"), spreadsheet_cell("Ng, Ada")
    ("'=HYPERLINK(1)", "' -2+3", 'Ng, Ada')
    >>> spreadsheet_cell(-2.5), spreadsheet_cell("-2.5"), spreadsheet_cell(None)
    (-2.5, '-2.5', '')
    >>> spreadsheet_cell("Ng;=HYPERLINK(1)"), spreadsheet_cell("a| +1")
    ("Ng;'=HYPERLINK(1)", "a| '+1")
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if NUMBER.fullmatch(text):
        return text
    if text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_SIGNS:
        text = "'" + text
    return INNER_FORMULA.sub(r"\1'", text)
