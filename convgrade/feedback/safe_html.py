"""The HTML policy for everything a submission contributes to a page: one allow-list, nh3.

A submission reaches the TA's browser through three doors: its markdown (the written
answer), its outputs, and the feedback page built from both. Each door renders first and
sanitises the *rendered* HTML here, so the instructor's markdown is never escaped (a
blockquote stays a blockquote) and nothing the student wrote can run script: only the tags
and attributes below survive, URLs only as http, https, relative links and inline
``data:image/(png|jpeg|gif);base64`` pictures, and every fragment is bounded in size
before the sanitiser sees it: in characters, and in tags, since nh3's parser takes time
that grows with the square of how deeply elements nest (65,000 nested lists: 16 s). A
page's fragments are bounded in tags all together too (MAX_PAGE_HTML_TAGS), in budgets by
where they come from (`tags_key`).

Unicode's bidirectional controls ("Trojan Source": code that reads one way and runs
another) are shown on every page as their code points, ``<U+202E>``, never applied:
`show_bidi` after each nh3 pass and on coloured code, `visible_bidi_text` on text outputs
(convgrade/feedback/safeoutputs.py).

- `clean_fragment` cleans what a student wrote or printed; ids are prefixed and classes
  limited, so the content cannot stand in for the formgrader's own score boxes.
- `markdown2html` is the Jinja filter that replaces nbconvert's in every HTMLExporter
  (the formgrader's too): render, `clean_fragment` with no MathML allowed, then put back
  each formula latex2mathml made (convgrade/feedback/formulas.py), cleaned on its own with
  `clean_formula` (MathML only, no positioning, lengths small and non-negative). Formulas
  elsewhere (outputs, code) stay text.
- `highlight_code` colours code cells with the course's lexer only, within a size per
  cell and per page (Pygments can be quadratic on crafted code); the rest stays plain.
  Like `markdown2html`, a page's Markdown is bounded in all, not only per cell.
- `SafeFeedbackExporter` writes feedback pages: the template's head is trusted, the body is
  cleaned whole with `clean_page_body`.
"""

import collections
import contextvars
import functools
import html
import json
import re
import secrets
import string
from pathlib import Path

import nh3
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from convgrade.feedback.formulas import MAX_MATHML_CHARS, START_TAG, FormulaRenderer
from convgrade.feedback.summary import summary_for

# What a fragment may hold before it is cleaned; inline base64 pictures do not count
# against MAX_HTML_CHARS (they are checked strictly), but the whole is capped too.
MAX_HTML_CHARS = 256 * 1024
MAX_IMAGE_CHARS = 8 * 2**20
MAX_TEXT_CHARS = 256 * 1024
# Start tags a fragment may hold: elements can nest no deeper than that, so nh3 spends at
# most a few hundredths of a second on one (4,000 nested divs: 0.03 s; 28,000: 2.6 s).
# A long table of 500 rows is under a fifth of it.
MAX_HTML_TAGS = 4000
# Start tags one page's fragments may hold, each budget below in all: ten fragments at the
# cap, about 0.3 s of nh3. Without it a notebook of 419 outputs of 3,999 nested divs (8 MiB)
# took 57 s to show in the formgrader and 27 s as a feedback page. The lesson's pages hold
# 150 to 250. A fragment its budget can no longer hold is a short note (Markdown: the start
# of its text) and is not parsed; a smaller one after it may still fit.
MAX_PAGE_HTML_TAGS = 40_000
# A page's budgets, by where the fragments come from (`tags_key`). Outputs are charged
# before any Markdown is rendered, so with one budget a student's outputs pushed the
# lesson's text off the page, and locked demo cells (whose outputs the student's code
# makes) pushed off the grader's reports (red team).
# - the outputs of the student's code, in any cell but a test cell, and raw cells:
PAGE_TAGS_KEY = "convgrade_html_tags"
# - Markdown cells (the lesson's and the written answers) and the TA's comments:
MARKDOWN_TAGS_KEY = "convgrade_markdown_html_tags"
# - the grader's reports: the outputs of test cells, which autograding replaces whole and
#   keeps one of each (convgrade/autograde/repairsubmission.py). Only a notebook that was
#   never graded can hold a forged one, and then a page parses three budgets at most.
GRADER_TAGS_KEY = "convgrade_grader_html_tags"

# Unicode's bidirectional controls, the whole Bidi_Control property: embeddings and
# overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the three marks (U+200E, U+200F,
# U+061C). They change the order in which text is displayed, not the order in which code
# runs (Trojan Source, CVE-2021-42574), so pages show each one as its code point.
BIDI_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI_TITLE = (
    "An invisible Unicode control character that reorders how text is displayed, "
    "not how code runs: shown here by its code point, not applied."
)
BIDI_SPAN = (
    f'<span class="convgrade-bidi" title="{BIDI_TITLE}" '
    'style="color: #b00; background-color: #fee; font-weight: bold">{}</span>'
)
# Marked with a span (class, title, colour) per run of controls, up to this many runs a
# fragment; past it a control is only its escaped code point, so a fragment of controls
# adds no more tags than that to the page.
MAX_BIDI_SPANS = 100
# Markers one page shows in all (a control shown as <U+202E> is 14 characters of HTML, and
# a marked run some 250): past them, each control is U+FFFD, one character for one, so a
# notebook of controls in thousands of cells cannot make a page grow many times over
# (red team: 1,000 cells of 100 controls made a 28 MB formgrader page, 13 s a view).
MAX_PAGE_BIDI_MARKERS = 2000
# The markers left for the page being made: SafeOutputs, which every page's exporter runs
# first, starts each page's count; outside a page there is no page limit.
_page_bidi_markers = contextvars.ContextVar("convgrade_page_bidi_markers", default=None)

ID_PREFIX = "user-content-"
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "longdesc", "action", "background"})
# ASCII: no Unicode case folding ("ſ" for "s") makes another header pass.
DATA_IMAGE_HEAD = re.compile(r"data:image/(?:png|jpeg|gif);base64,", re.IGNORECASE | re.ASCII)
ASCII_SPACE = " \t\n\r\f\v"
BASE64_OR_SPACE = (string.ascii_letters + string.digits + "+/" + ASCII_SPACE).encode()
INLINE_PICTURE = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]{64,}")
# The base64 of a picture in a data: URL as the template writes it: no spaces, padded at
# the end, then the attribute's closing quote.
PICTURE_PAYLOAD = re.compile(
    r'(data:image/(?:png|jpeg|gif);base64,)([A-Za-z0-9+/]{1024,}={0,2})(?=")'
)
STYLE_PROPERTIES = frozenset(
    {"color", "background-color", "font-weight", "font-style", "text-align", "text-decoration"}
)
# Class names a fragment may carry: nbconvert's anchor links and ANSI colours, Pygments'
# token classes (one to three letters and a digit) in highlighted code blocks, and the
# grader's own report (convgrade/feedback.py). None of the formgrader's script hooks.
FRAGMENT_CLASS = re.compile(
    r"anchor-link|ansi-[a-z-]{1,30}|highlight|hl-[a-z0-9]{1,30}|[a-z]{1,3}\d?"
    r"|convgrade-[a-z-]{1,30}"
)

# No <bdo> or <bdi>, and no `dir` attribute below: they are the markup forms of the
# bidirectional controls (an override, an isolate), which pages show, never apply.
TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map", "bdo", "bdi"}) | {"figure", "figcaption", "tfoot"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# Presentation MathML, as latex2mathml writes it, and nothing that can link, act, carry
# markup of another kind or move text out of its formula: no maction (actiontype), no
# semantics/annotation-xml (HTML inside MathML), no mglyph (a picture URL), no href, style,
# class, id, mathcolor or mathbackground; no mpadded (voffset, lspace and a zero width put
# text anywhere on the page: its content stays, unwrapped), no mathsize, minsize, maxsize,
# lspace or rspace (sizes that multiply when nested). latex2mathml writes those only for
# \\large, \\big, \\not and arrows with labels, which read the same without them.
MATHML_ATTRIBUTES = {
    "math": {"display"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mo": {
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "form",
        "largeop",
        "movablelimits",
        "accent",
        "symmetric",
    },
    "ms": {"mathvariant"},
    "mtext": {"mathvariant"},
    "mspace": {"width", "height", "depth", "linebreak"},
    "mrow": set(),
    "msub": set(),
    "msup": set(),
    "msubsup": set(),
    "mfrac": {"linethickness"},
    "msqrt": set(),
    "mroot": set(),
    "munder": {"accentunder"},
    "mover": {"accent"},
    "munderover": {"accent", "accentunder"},
    "mtable": {
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "displaystyle",
    },
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mphantom": set(),
    "menclose": {"notation"},
    "merror": set(),
}
MATHML_TAGS = frozenset(MATHML_ATTRIBUTES)
MATHML_LENGTH_ATTRIBUTES = frozenset(
    {"width", "height", "depth", "linethickness", "columnspacing", "rowspacing"}
)
# The longest space a formula may hold; latex2mathml's \\quad is 1em, \\qquad 2em.
MAX_MATHML_LENGTH_EM = 5.0
# A length is a plain non-negative number with a unit that scales with the text (em per
# unit, roughly: 1ex is half an em, 1mu an 18th, 1pt a tenth at the usual sizes);
# negative, px, % and named spaces are dropped.
MATHML_LENGTH = re.compile(r"(\d{1,4}(?:\.\d{0,4})?|\.\d{1,4})(em|ex|mu|pt)?")
EM_PER_UNIT = {"em": 1.0, "ex": 0.5, "mu": 1 / 18, "pt": 0.1, None: 1.0}
# Other MathML values are keywords ("center left", "bold-italic") or small unsigned counts
# (scriptlevel="1"; a signed scriptlevel would scale the text): no URL, quote or CSS.
_KEYWORD = r"(?:[A-Za-z]{1,20}(?:-[A-Za-z]{1,20}){0,2}|\d{1,2})"
MATHML_KEYWORDS = re.compile(f"{_KEYWORD}(?: {_KEYWORD}){{0,7}}")


def _attributes():
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes.pop("area", None)
    attributes.setdefault("a", set()).update({"name", "title"})
    attributes["img"] = {"alt", "height", "src", "width", "title"}
    for tag in HEADINGS:
        attributes.setdefault(tag, set()).add("id")
    attributes["*"] = {"class", "style", "title", "lang"}
    for tag, names in MATHML_ATTRIBUTES.items():
        attributes[tag] = set(names)
    return attributes


ATTRIBUTES = _attributes()


class TooLarge(ValueError):
    """A fragment over the size limit; the message says how large it was."""


def check_size(text, limit=MAX_HTML_CHARS):
    """Raise TooLarge if `text` holds more than `limit` characters of markup, or more than
    MAX_HTML_TAGS start tags; return how many start tags it holds.

    Inline base64 pictures are not counted as markup (feedback pictures are large), but no
    fragment may exceed MAX_IMAGE_CHARS in all.
    """
    if len(text) > MAX_IMAGE_CHARS:
        raise TooLarge(f"{len(text) // 1024} KiB")
    if len(text) > limit:
        markup = len(text) - sum(len(m.group()) for m in INLINE_PICTURE.finditer(text))
        if markup > limit:
            raise TooLarge(f"{len(text) // 1024} KiB")
    if (tags := sum(1 for _ in START_TAG.finditer(text))) > MAX_HTML_TAGS:
        raise TooLarge(f"{tags} HTML tags; at most {MAX_HTML_TAGS}")
    return tags


def too_large_note(what, size):
    """The HTML shown instead of a fragment that is too large to clean and show."""
    return f"<p><b>[convgrade] {what} too large to show ({size}): left out of this page.</b></p>"


def page_full_note(what):
    """The HTML shown instead of a fragment once its page holds MAX_PAGE_HTML_TAGS tags."""
    return (
        f"<p><b>[convgrade] {what} left out of this page: the notebook's HTML is over what "
        f"one page shows ({MAX_PAGE_HTML_TAGS:,} HTML tags in all).</b></p>"
    )


def charge_page_tags(resources, tags, key=PAGE_TAGS_KEY):
    """Whether the page of `resources` (nbconvert's, one per page render) can still hold
    `tags` start tags; if so they are counted against it. A fragment it cannot hold is not
    parsed, so it is not counted: a smaller one after it may still be shown. No resources,
    no budget. `key`: whose budget (`tags_key`)."""
    if not hasattr(resources, "get"):
        return True
    spent = resources.get(key, 0) + tags
    if spent > MAX_PAGE_HTML_TAGS:
        return False
    resources[key] = spent
    return True


def tags_key(cell):
    """The page budget the outputs of `cell` are charged to: the grader's for a test cell
    (graded, locked, not an answer), the student's outputs' for any other."""
    metadata = cell.get("metadata", {}) if hasattr(cell, "get") else {}
    nbgrader = metadata.get("nbgrader", {}) if hasattr(metadata, "get") else {}
    if not hasattr(nbgrader, "get"):
        return PAGE_TAGS_KEY
    test_cell = (
        nbgrader.get("grade") is True
        and nbgrader.get("locked") is True
        and not nbgrader.get("solution")
    )
    return GRADER_TAGS_KEY if test_cell else PAGE_TAGS_KEY


def start_page_bidi_markers(page=True):
    """Start counting the markers of a new page (MAX_PAGE_BIDI_MARKERS); with `page`
    False, stop counting: what follows is not a page (a notebook being graded), and no
    earlier page's count may reach it."""
    _page_bidi_markers.set([MAX_PAGE_BIDI_MARKERS] if page else None)


def _take_markers(count):
    """Whether the page may show `count` more markers; if so, they are counted."""
    left = _page_bidi_markers.get()
    if left is None:
        return True
    if left[0] < count:
        left[0] = 0
        return False
    left[0] -= count
    return True


def _bidi_marker(char):
    return f"<U+{ord(char):04X}>"


def visible_bidi_text(text):
    """Plain `text` (a page escapes it) with each bidirectional control as ``<U+XXXX>``, or
    as U+FFFD once the page has shown MAX_PAGE_BIDI_MARKERS.

    Examples
    --------
    >>> visible_bidi_text("if access != 'user\\u202e \\u2066':")
    "if access != 'user<U+202E> <U+2066>':"
    """
    if not BIDI_CONTROL.search(text):
        return text
    return BIDI_CONTROL.sub(
        lambda match: _bidi_marker(match[0]) if _take_markers(1) else "\ufffd", text
    )


# A tag as nh3 and Pygments write it: every attribute value in double quotes (a `"` inside
# as &quot;), so a `>` inside one cannot end it. Outside tags, `<` is always &lt;.
_TAG_OR_BIDI = re.compile(f'(?P<tag><[^<>"]*(?:"[^"]*"[^<>"]*)*>)|(?P<run>{BIDI_CONTROL.pattern}+)')


def show_bidi(html_text):
    """HTML (nh3's output, Pygments', or escaped text) with every bidirectional control
    shown as its escaped code point: in text, each run in a marked span; inside a tag (an
    attribute value) as ``&lt;U+202E&gt;``, which cannot end the value or start markup.
    Past the page's MAX_PAGE_BIDI_MARKERS, a control is U+FFFD.

    Examples
    --------
    >>> shown = show_bidi('<a title="x\\u202e">a\\u202eb</a>')
    >>> shown.startswith('<a title="x&lt;U+202E&gt;">a<span class="convgrade-bidi"')
    True
    >>> "\\u202e" in shown, shown.count("&lt;U+202E&gt;")
    (False, 2)
    """
    if not BIDI_CONTROL.search(html_text):
        return html_text
    spans = 0

    def escaped(text):
        return html.escape(visible_bidi_text(text), quote=True)

    def replace(match):
        nonlocal spans
        if match["tag"] is not None:
            return BIDI_CONTROL.sub(lambda found: escaped(found[0]), match["tag"])
        run = match["run"]
        if not _take_markers(len(run)):
            return "\ufffd" * len(run)
        spans += 1
        shown = html.escape("".join(map(_bidi_marker, run)), quote=True)
        return BIDI_SPAN.format(shown) if spans <= MAX_BIDI_SPANS else shown

    return _TAG_OR_BIDI.sub(replace, html_text)


def _url_ok(tag, value):
    """http, https and relative URLs pass (nh3 checked the scheme); data: only as a picture."""
    # The scheme is what comes before the first colon, once the spaces and control
    # characters a browser skips are taken out. Only that part is squeezed: a page's
    # pictures are hundreds of kilobytes each.
    before, colon, _ = value.partition(":")
    if colon and re.sub(r"[\x00-\x20]+", "", before).lower() == "data":
        return tag == "img" and is_data_picture(value)
    return True


def is_data_picture(value):
    """True if `value` is a PNG, JPEG or GIF data: URL in base64 (ASCII spaces allowed).

    Checked with bytes.translate, in C: a regular expression over a page's pictures
    took a tenth of each feedback page's cost.

    Examples
    --------
    >>> is_data_picture("data:image/png;base64,iVBORw0K Gg==")
    True
    >>> is_data_picture("data:image/svg+xml;base64,PHN2Zz4=")
    False
    >>> is_data_picture('data:image/png;base64,iVBO"onerror=alert(1)')
    False
    """
    value = value.strip()
    head = DATA_IMAGE_HEAD.match(value)
    if head is None:
        return False
    payload = value[head.end() :].rstrip(ASCII_SPACE)
    unpadded = payload.rstrip("=")
    if len(payload) - len(unpadded) > 2 or not unpadded.isascii():
        return False
    return not unpadded.encode().translate(None, BASE64_OR_SPACE)


def _small_lengths(value):
    """True if `value` is one or more non-negative lengths, each at most MAX_MATHML_LENGTH_EM."""
    parts = value.split()
    if not 1 <= len(parts) <= 16:
        return False
    for part in parts:
        match = MATHML_LENGTH.fullmatch(part)
        if match is None or float(match[1]) * EM_PER_UNIT[match[2]] > MAX_MATHML_LENGTH_EM:
            return False
    return True


def _keywords(value):
    return MATHML_KEYWORDS.fullmatch(value) is not None


def _mathml_attribute(tag, attribute, value):
    """Only the attribute's own allow-list (no "*" ones), with a keyword or a small length."""
    if attribute not in MATHML_ATTRIBUTES[tag]:
        return None
    value = value.strip()
    if attribute in MATHML_LENGTH_ATTRIBUTES:
        if _small_lengths(value) or (attribute == "linethickness" and _keywords(value)):
            return value
        return None
    return value if _keywords(value) else None


def _fragment_filter(tag, attribute, value):
    if tag in MATHML_TAGS:
        return _mathml_attribute(tag, attribute, value)
    if attribute in URL_ATTRIBUTES:
        if not _url_ok(tag, value):
            return None
        if attribute == "href" and value.startswith("#"):
            return "#" + ID_PREFIX + value[1:]
        return value
    if attribute in ("id", "name"):
        return ID_PREFIX + value
    if attribute == "class":
        kept = [name for name in value.split() if FRAGMENT_CLASS.fullmatch(name)]
        return " ".join(kept) or None
    if attribute in ("width", "height"):
        return value if re.fullmatch(r"[1-9]\d{0,4}%?", value.strip()) else None
    return value


def _page_filter(tag, attribute, value):
    if tag in MATHML_TAGS:
        return _mathml_attribute(tag, attribute, value)
    if attribute in URL_ATTRIBUTES:
        return value if _url_ok(tag, value) else None
    if attribute in ("width", "height"):
        return value if re.fullmatch(r"[1-9]\d{0,4}%?", value.strip()) else None
    return value


def _clean(text, attribute_filter, tags=TAGS):
    """nh3 with the course's policy; bidirectional controls in what it keeps are shown."""
    cleaned = nh3.clean(
        text,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "data"},
        filter_style_properties=STYLE_PROPERTIES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )
    return show_bidi(cleaned)


def clean_fragment(html, limit=MAX_HTML_CHARS, what="HTML output", charge=None):
    """Sanitise HTML a student wrote or printed, for any page.

    Parameters
    ----------
    html : str
    limit : int
        Characters of markup accepted; a larger fragment is replaced by a short note.
    what : str
        How the note names the fragment.
    charge : callable, optional
        Charges the fragment's start tags to its page (before nh3 parses them) and says
        whether the page can hold them (see `charge_page_tags`); if not, a short note.

    Returns
    -------
    str
        HTML with only allow-listed tags, attributes, classes, style properties and URLs;
        ids prefixed with ``user-content-``.

    Examples
    --------
    >>> clean_fragment('<a href="javascript:alert(1)" onclick="x()">hi</a>')
    '<a rel="noopener noreferrer nofollow">hi</a>'
    >>> clean_fragment("<blockquote>quoted</blockquote><script>alert(1)</script>")
    '<blockquote>quoted</blockquote>'
    """
    html = "" if html is None else str(html)
    try:
        tags = check_size(html, limit)
    except TooLarge as error:
        return too_large_note(what, error)
    if charge is not None and not charge(tags):
        return page_full_note(what)
    # No MathML: a student's own <math> goes like any unknown tag (formulas come back
    # through render_markdown, from latex2mathml only).
    return _clean(html, _fragment_filter, TAGS)


def clean_page_body(html):
    """Sanitise a whole feedback page's body (template classes, ids and anchors kept).

    Student content in it was already cleaned with `clean_fragment`; this second pass
    guards everything else the template put in the body. Formulas (MathML) are kept.

    The pictures' base64 (nine tenths of a page) is set aside while nh3 parses the rest,
    about three times as fast as parsing it all: each long payload becomes a random token of
    letters and digits, itself valid base64, and comes back wherever nh3 left its token.
    Base64 holds no character that could start markup or end an attribute, so putting it
    back cannot add anything nh3 would have removed.
    """
    nonce = secrets.token_hex(8)
    payloads = []

    def set_aside(match):
        payloads.append(match[2])
        return f"{match[1]}{nonce}{len(payloads) - 1:08d}"

    cleaned = _clean(PICTURE_PAYLOAD.sub(set_aside, html), _page_filter, TAGS | MATHML_TAGS)
    if not payloads:
        return cleaned

    def put_back(match):
        index = int(match[1])
        return payloads[index] if index < len(payloads) else match[0]

    return re.sub(f"{nonce}(\\d{{8}})", put_back, cleaned)


def render_markdown(source, attachments=None, path="", *, formulas=False, charge=None):
    """Markdown to HTML as nbconvert renders it, then cleaned.

    With `formulas`, ``$...$``, ``$$...$$`` and LaTeX environments become MathML (within
    the bounds of convgrade/feedback/formulas.py); without, they stay text, as in outputs.
    `charge` charges the rendered HTML's start tags to the page (see `clean_fragment`), and
    each formula's MathML as it is made.
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    source = "" if source is None else str(source)
    try:
        check_size(source)
    except TooLarge as error:
        return too_large_note("Markdown", error)
    options = dict(escape=False, attachments=attachments or {}, embed_images=False, path=path)
    if not formulas:
        rendered = MarkdownWithMath(renderer=IPythonRenderer(**options)).render(source)
        return clean_fragment(rendered, what="Markdown", charge=charge)
    renderer = FormulaRenderer(charge=charge, **options)
    rendered = MarkdownWithMath(renderer=renderer).render(source)
    limit = MAX_HTML_CHARS + MAX_MATHML_CHARS
    cleaned = clean_fragment(rendered, limit, what="Markdown", charge=charge)
    # A formula's LaTeX put back as text inside a tag (a heading's id) was not cleaned.
    return show_bidi(renderer.put_back(cleaned, clean_formula))


def clean_formula(mathml):
    """Sanitise one formula's MathML, as latex2mathml made it, with nothing but MathML allowed."""
    return _clean(mathml, _fragment_filter, MATHML_TAGS)


# Markdown one page renders, in characters of source, all cells together (the lesson's own
# is about 20 KiB). Each cell is bounded on its own, but a notebook of thousands of
# Markdown cells took minutes to render and made a page of 80 MB (red team). Past this,
# each further cell is shown as the start of its plain text.
MAX_PAGE_MARKDOWN_CHARS = 1 << 20
PAST_BUDGET_EXCERPT_CHARS = 300
# Where a page's render keeps what its Markdown has spent: in nbconvert's resources, which
# live as long as one page's render.
PAGE_BUDGET_KEY = "convgrade_markdown_chars"


@pass_context
def markdown2html(context, source):
    """Jinja filter replacing nbconvert's markdown2html: render, then `clean_fragment`.

    Set in nbgrader_config.py as ``c.HTMLExporter.filters``, so every HTML page made with
    the course configuration (feedback, the formgrader's submission pages) uses it.
    Formulas in markdown cells and comments are written as MathML. Once a page has
    rendered MAX_PAGE_MARKDOWN_CHARS of Markdown, the rest is shown as plain text; so is a
    cell whose HTML would take the page's Markdown past MAX_PAGE_HTML_TAGS start tags
    (MARKDOWN_TAGS_KEY: outputs have budgets of their own, so they cannot push it off).
    """
    resources = context.get("resources")
    if not _charge_page(resources, source):
        return past_budget_text(source)
    cell = context.get("cell") or {}
    attachments = cell.get("attachments") if hasattr(cell, "get") else None
    path = (resources or {}).get("metadata", {}).get("path", "")
    attachments = attachments if isinstance(attachments, dict) else {}
    key = MARKDOWN_TAGS_KEY
    if attachments or not isinstance(source, str):
        charge = functools.partial(charge_page_tags, resources, key=key)
        return render_markdown(source, attachments, path, formulas=True, charge=charge)
    # `path` only matters for embedding images, which render_markdown never does. A cell
    # remembered from another page is charged the tags its cleaning parsed, as if it were
    # rendered again, so what a page shows does not depend on what was remembered.
    # A cell with bidirectional controls is rendered afresh, never remembered, so that each
    # page counts its markers (MAX_PAGE_BIDI_MARKERS).
    remembered = None if BIDI_CONTROL.search(source) else _remembered_markdown.peek(source)
    if remembered is not None:
        rendered, tags = remembered
        return (
            rendered
            if charge_page_tags(resources, tags, key)
            else past_budget_text(source, PAGE_FULL_REASON)
        )
    charged, refused = [], []

    def charge(tags):
        fits = charge_page_tags(resources, tags, key)
        (charged if fits else refused).append(tags)
        return fits

    rendered = render_markdown(source, None, "", formulas=True, charge=charge)
    if refused:  # not parsed, nor remembered: another page may hold it
        return past_budget_text(source, PAGE_FULL_REASON)
    if not BIDI_CONTROL.search(source):
        _remembered_markdown.keep((source,), (rendered, sum(charged)))
    return rendered


def _charge_page(resources, source, key=PAGE_BUDGET_KEY, budget=None):
    """Count `source` against its page's budget `key` (Markdown by default); whether it is
    within it."""
    budget = MAX_PAGE_MARKDOWN_CHARS if budget is None else budget
    if not hasattr(resources, "get"):
        return True
    spent = resources.get(key, 0) + len(source if isinstance(source, str) else "")
    resources[key] = spent
    return spent <= budget


# Code cells are coloured by Pygments, whose lexers can take time growing with the square of
# a cell's length on crafted code (the course's ipython3 lexer on a run of dots: 0.26 s for
# 4,000 characters, 15 s for 32,000; red team). The lesson's cells are 1.3 KiB at most and
# 10 KiB in all. Longer cells, and cells past the page's budget, are shown uncoloured.
MAX_CELL_HIGHLIGHT_CHARS = 4096
MAX_PAGE_HIGHLIGHT_CHARS = 64 * 1024
PAGE_HIGHLIGHT_KEY = "convgrade_highlighted_chars"
# The course's language. The notebook's own (language_info.pygments_lexer) and a cell's
# (metadata.magics_language) are the student's to set, and some lexers are far slower.
COURSE_LEXER = "ipython3"


@pass_context
def highlight_code(context, source, language=None, metadata=None):
    """Jinja filter replacing nbconvert's highlight_code: the course's lexer whatever the
    notebook or cell asks for, and code within the bounds above coloured, the rest plain.

    Set in nbgrader_config.py as ``c.HTMLExporter.filters`` (the formgrader's pages);
    feedback pages use it whatever the configuration says.
    """
    text = "" if source is None else str(source)
    if len(text) > MAX_CELL_HIGHLIGHT_CHARS or not _charge_page(
        context.get("resources"), text, PAGE_HIGHLIGHT_KEY, MAX_PAGE_HIGHLIGHT_CHARS
    ):
        return show_bidi(
            f'<div class="highlight"><pre>{html.escape(text, quote=False)}</pre></div>'
        )
    # Marked after the cache, so that each page counts its own markers.
    return show_bidi(_remembered_code(text))


def _highlight_alone(source):
    return _course_highlight(source)


MARKDOWN_BUDGET_REASON = "this notebook's Markdown is over what one page renders"
PAGE_FULL_REASON = "this notebook's HTML is over what one page shows"


def past_budget_text(source, reason=MARKDOWN_BUDGET_REASON):
    """A Markdown cell past its page's budget: the start of its text, escaped, and why."""
    text = "" if source is None else str(source)
    excerpt = html.escape(text[:PAST_BUDGET_EXCERPT_CHARS], quote=True)
    more = "…" if len(text) > PAST_BUDGET_EXCERPT_CHARS else ""
    return show_bidi(
        f"<pre>{excerpt}{more}</pre><p><b>[convgrade] Shown as plain text: {reason}.</b></p>"
    )


def _render_markdown_alone(source):
    """A Markdown cell rendered as on any page, and the start tags its cleaning parsed."""
    counted = []
    rendered = render_markdown(
        source, None, "", formulas=True, charge=lambda tags: counted.append(tags) or True
    )
    return rendered, sum(counted)


BODY = re.compile(r"(<body[^>]*>)(.*)(</body>)", re.DOTALL | re.IGNORECASE)


FEEDBACK_TEMPLATES = Path(__file__).parent / "templates"
NBGRADER_FEEDBACK_TEMPLATE = "feedback"
# nbgrader's feedback template with a summary on top and "awaiting grading" for answers no
# one has graded yet; it extends nbgrader's own, so nbgrader's look is kept.
SUMMARY_TEMPLATE = "convgrade_feedback"


class SafeFeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter, with the page body cleaned whole by `clean_page_body`.

    The head comes from the template (styles and a title from the gradebook; no script:
    formulas are MathML already); the body holds the notebook and is cleaned. Set it with
    ``c.GenerateFeedback.exporter_class`` in nbgrader_config.py.

    Where nbgrader would use its own ``feedback`` template, the page is made with
    ``convgrade_feedback``, which extends it: a summary from the gradebook and the grader's
    records (convgrade/feedback/summary.py), and honest scores for answers awaiting a TA.
    A course that configures another template keeps it.
    """

    def _use_summary_template(self):
        if self.template_name != NBGRADER_FEEDBACK_TEMPLATE:
            return
        basedirs = [d for d in self.extra_template_basedirs if d != str(FEEDBACK_TEMPLATES)]
        self.extra_template_basedirs = [*basedirs, str(FEEDBACK_TEMPLATES)]
        # Last on the search path, so that only 'feedback/index.html.j2' finds nbgrader's page.
        self.extra_template_paths = [*self.extra_template_paths, *basedirs]
        self.template_name = SUMMARY_TEMPLATE
        # nbconvert computes the template search path once, from the first template name.
        self.template_paths = self._template_paths()

    def _course_root(self):
        coursedir = getattr(self.parent, "coursedir", None)
        return getattr(coursedir, "root", None)

    def from_notebook_node(self, nb, resources=None, **kw):
        self._use_summary_template()
        grades = (resources or {}).get("nbgrader")
        if self.template_name == SUMMARY_TEMPLATE and grades and "db_url" in grades:
            resources["convgrade"] = summary_for(nb, grades, self._course_root())
        output, resources = self._render(nb, resources, **kw)
        match = BODY.search(output)
        if match is None:  # no body: nothing from the template can be trusted to be head
            return with_alt_text(clean_page_body(output)), resources
        head, tail = output[: match.start(2)], output[match.end(2) :]
        return head + with_alt_text(clean_page_body(match.group(2))) + tail, resources

    def _render(self, nb, resources, **kw):
        """HTMLExporter.from_notebook_node (nbconvert 7.17) without its BeautifulSoup pass.

        That pass parses the whole page again in pure Python, half of a feedback page's
        cost (0.3 s of 0.65 s), to give images without alt text a default one and to make
        JupyterLab cells focusable. The body is parsed and rewritten by nh3 here anyway:
        `with_alt_text` adds the same alt text after it, and the tabindex attributes would
        not survive the cleaning. tests/test_rendering.py compares the two pages."""
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        # Whatever the configuration says: the notebook's own lexer is the student's choice.
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


class Remembered:
    """A pure function of text, remembering its results: up to `max_chars` characters in
    all (texts and results), the least recently used forgotten first. Bounded by size, not
    by count, so a submission of huge cells cannot make a worker hold much."""

    def __init__(self, function, max_chars=2_000_000):
        self._function, self._max_chars = function, max_chars
        self._kept = collections.OrderedDict()  # key -> (result, characters)
        self._chars = 0

    def __call__(self, *key):
        result = self.peek(*key)
        if result is None:
            result = self._function(*key)
            self.keep(key, result)
        return result

    def peek(self, *key):
        """The result kept for `key`, or None."""
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key][0]
        return None

    def keep(self, key, result):
        """Remember `result` (a text, or a tuple holding texts) for the tuple `key`."""
        parts = (*key, *(result if isinstance(result, tuple) else (result,)))
        chars = sum(len(part) for part in parts if isinstance(part, str))
        if chars <= self._max_chars // 20 and key not in self._kept:  # a large one: made again
            self._kept[key] = (result, chars)
            self._chars += chars
            while self._chars > self._max_chars:
                _, (_, dropped) = self._kept.popitem(last=False)
                self._chars -= dropped


# Most Markdown and code cells (the lesson's) are the same on every student's page.
_remembered_markdown = Remembered(_render_markdown_alone)
_course_highlight = Highlight2HTML(pygments_lexer=COURSE_LEXER)
_remembered_code = Remembered(_highlight_alone)


# nbconvert's words for an image without alt text (HTMLExporter.from_notebook_node).
MISSING_ALT_TEXT = "No description has been provided for this image"
# An <img> tag as nh3 writes it: every attribute value in double quotes, with no double
# quote inside (written &quot;), so a quoted value cannot hide the end of the tag.
CLEANED_IMG_TAG = re.compile(r'<img((?:\s+[^\s="<>/]+(?:="[^"]*")?)*)\s*/?>')
ALT_ATTRIBUTE = re.compile(r"\salt(?:=|\s|$)")


def with_alt_text(cleaned_html):
    """`cleaned_html` (nh3's output) with nbconvert's default alt text, last as nbconvert
    puts it, on every image that has none, so screen readers say there is an image."""

    def add_alt(match):
        if ALT_ATTRIBUTE.search(match[1]):
            return match[0]
        return f'<img{match[1]} alt="{MISSING_ALT_TEXT}">'

    return CLEANED_IMG_TAG.sub(add_alt, cleaned_html)


__all__ = [
    "GRADER_TAGS_KEY",
    "MARKDOWN_TAGS_KEY",
    "MAX_HTML_CHARS",
    "MAX_IMAGE_CHARS",
    "MAX_PAGE_HTML_TAGS",
    "MAX_TEXT_CHARS",
    "MATHML_TAGS",
    "SafeFeedbackExporter",
    "TooLarge",
    "charge_page_tags",
    "tags_key",
    "check_size",
    "clean_formula",
    "clean_fragment",
    "clean_page_body",
    "markdown2html",
    "page_full_note",
    "render_markdown",
    "show_bidi",
    "too_large_note",
    "visible_bidi_text",
    "with_alt_text",
]
