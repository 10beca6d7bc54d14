"""Text from a notebook made safe for a terminal line, an HTML report or a matplotlib label."""

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
