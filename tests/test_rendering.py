"""Pages made from submissions: can any output, metadata, markdown or HTML trick run script?

Unit tests feed the allow-list (convgrade/preprocessors/safeoutputs.py) and the nh3 policy
(convgrade/safe_html.py) many payload variants, then render through nbconvert's real
templates (classic, lab, nbgrader's formgrade and feedback) with the course configuration.
One end-to-end test grades hostile submissions with real `nbgrader autograde` and writes
their feedback with real `nbgrader generate_feedback`.
"""

import copy
import re
import time
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from support import FORMGRADE_RESOURCES, REPO, SOURCE, read_notebook
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from convgrade.feedback import safe_html
from convgrade.feedback.safeoutputs import SafeOutputs, positive_int, strict_base64

PNG = (  # a 1x1 picture
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
    "wAAAABJRU5ErkJggg=="
)
JS = "document.title='owned';window.__owned=1"

# ------------------------------------------------------------------ what counts as active

SAFE_URL = re.compile(r"^(https?:|data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=]*$|#|[^:]*$)")
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "cite",
    "longdesc",
    "srcdoc",
    "srcset",
}
INERT_TAGS = {"script", "style", "iframe", "object", "embed", "form", "base", "meta", "link"}
INERT_TAGS |= {"svg", "math", "frame", "frameset", "applet", "input", "button", "template"}
# MathML that can act, link or carry other markup: never allowed, even where formulas are.
INERT_TAGS |= {"maction", "semantics", "annotation", "annotation-xml", "mglyph"}
# Classes the formgrader's own scripts select on: student content must not pose as them.
FORMGRADER_HOOKS = {"full-credit", "no-credit", "score", "extra-credit", "comment", "tabbable"}


class Active(HTMLParser):
    """Everything in an HTML fragment that could run script, load a page or restyle it."""

    def __init__(self, classes=True, mathml=False):
        super().__init__(convert_charrefs=True)
        self.found = set()
        self.classes = classes
        self.mathml = mathml  # formulas rendered as MathML are expected
        self._script = None

    def handle_starttag(self, tag, attrs):
        if tag in INERT_TAGS - {"script"} and not (self.mathml and tag == "math"):
            self.found.add(f"<{tag}>")
        if tag == "script":
            self._script = f"<script src={dict(attrs).get('src')}>"
        for key, value in attrs:
            value = value or ""
            if key.startswith("on") or key in ("actiontype", "mathbackground", "mathcolor"):
                self.found.add(f"{tag} {key}=")
            if key in URL_ATTRIBUTES and not SAFE_URL.match(re.sub(r"[\x00-\x20]", "", value)):
                self.found.add(f"{tag} {key}={value[:50]}")
            if key == "style" and re.search(r"url|expression|position|@import", value, re.I):
                self.found.add(f"{tag} style={value[:50]}")
            if key in ("width", "height") and not re.fullmatch(r"[0-9]+%?", value):
                if not (self.mathml and re.fullmatch(r"[0-9.]+(?:em|ex)", value)):
                    self.found.add(f"{tag} {key}={value[:50]}")
            if self.classes and key == "class" and set(value.split()) & FORMGRADER_HOOKS:
                self.found.add(f"{tag} class={value}")

    def handle_data(self, data):
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.found.add(self._script)
            self._script = None


def active(html, classes=True, mathml=False):
    parser = Active(classes, mathml)
    parser.feed(html)
    parser.close()
    if parser._script is not None:  # an unclosed script still counts
        parser.found.add(parser._script)
    return parser.found


def page_scripts(html):
    """The <script> elements of a whole page (the template's own are expected)."""
    return re.findall(r"<script\b[^>]*>", html, re.IGNORECASE)


# ---------------------------------------------------------------------------- payloads

HOOK_PAYLOAD = "<div class='full-credit score tabbable' id='edge_explanation'>cover</div>"
HTML_PAYLOADS = [
    f"<img src=x onerror={JS}>",
    f'<img src="x" onerror="{JS}">',
    f"<svg onload={JS}>",
    f"<svg><script>{JS}</script></svg>",
    f"<svg><a xlink:href='javascript:{JS}'><text>x</text></a></svg>",
    f"<iframe src='javascript:{JS}'></iframe>",
    f'<iframe srcdoc="<script>{JS}</script>"></iframe>',
    f"<form action='/formgrader/api/grade'><button formaction='javascript:{JS}'>x</button></form>",
    f"<a href='javascript:{JS}'>x</a>",
    f"<a href='jav&#x61;script:{JS}'>x</a>",
    f"<a href='&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{JS}'>x</a>",
    f"<a href='jav&#x09;ascript:{JS}'>x</a>",
    f"<a href=' &#14; javascript:{JS}'>x</a>",
    f"<a href='JaVaScRiPt:{JS}'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<a href='data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='>x</a>",
    "<a href='data:image/png;base64,AAAA'>x</a>",
    "<img src='data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+'>",
    "<img src='data:text/html,<script>alert(1)</script>'>",
    "<img src='data:image/png;base64,AAAA\" onerror=\"alert(1)'>",
    "<math><mtext><table><mglyph><style>"
    f"<img src=x onerror={JS}></style></mglyph></table></mtext></math>",
    f'<noscript><p title="</noscript><img src=x onerror={JS}>"></noscript>',
    '<style>@import "//evil.example/x.css"; body{background:url(javascript:alert(1))}</style>',
    "<div style='background-image:url(javascript:alert(1));position:fixed;inset:0'>x</div>",
    "<div style='width: expression(alert(1))'>x</div>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "<base href='javascript:alert(1)//'>",
    "<link rel=stylesheet href='//evil.example/x.css'>",
    f"<object data='javascript:{JS}'></object><embed src='javascript:{JS}'>",
    f"<details open ontoggle={JS}><summary>s</summary></details>",
    f"<b><i onmouseover={JS}>misnested</b></i><p><table><td>cell</p>",
    f"<template><img src=x onerror={JS}></template>",
    f"<!--><img src=x onerror={JS}>-->",
    f"<![CDATA[<img src=x onerror={JS}>]]>",
    f"<img src=x onerror={JS}//",
    f"<textarea><img src=x onerror={JS}></textarea><xmp><img src=x onerror={JS}></xmp>",
    f"<input autofocus onfocus={JS}><select autofocus onfocus={JS}>",
    f"<video><source onerror={JS}></video><audio src=x onerror={JS}>",
    f"<body onload={JS}>",
    f"<img srcset='javascript:{JS} 1x'>",
    f"<img src=x width='1 onerror={JS}' height=\"1' onload='{JS}\">",
    "<div class='full-credit score tabbable' id='edge_explanation'>cover</div>",
    f"<scr<script>ipt>{JS}</scr</script>ipt>",
    f"<a href='https://example.org/' onclick='{JS}'>kept link</a>",
]

MARKDOWN_PAYLOADS = [
    f"[x](javascript:{JS})",
    f"[x](JAVASCRIPT:{JS})",
    f"[x](jav&#x61;script:{JS})",
    f"[x](&#106;avascript:{JS})",
    f"[x](<javascript:{JS}>)",
    f"[x](java\tscript:{JS})",
    f"[x][r]\n\n[r]: javascript:{JS}",
    f"<javascript:{JS}>",
    f"![x](javascript:{JS})",
    f'![x" onerror="{JS}](y.png)',
    f'![x](y.png "title\\" onerror=\\"{JS}")',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](vbscript:msgbox(1))",
    f"```html\n<script>{JS}</script>\n```",
    f"`<img src=x onerror={JS}>`",
    *HTML_PAYLOADS,
]


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_no_html_payload_survives_cleaning(payload):
    """Does any tag, handler, URL, style or class that could act survive clean_fragment?"""
    assert active(safe_html.clean_fragment(payload)) == set()
    # The feedback page's body keeps the template's classes (it has no script to hook) and
    # formulas' MathML, but none of MathML's links, actions or foreign content.
    assert active(safe_html.clean_page_body(payload), classes=False, mathml=True) == set()


PICTURE = "iVBORw0KGgo" + "AbC+/09z" * 200 + "Q=="  # long enough to be set aside
PICTURE_PLACES = [
    f'<img src="data:image/png;base64,{PICTURE}">',
    f"<img alt=a src='data:image/gif;base64,{PICTURE}' onerror={JS}>",
    f'<img src="data:image/jpeg;base64,{PICTURE}" onerror="{JS}">',
    f'<img src="data:image/png;base64,{PICTURE}"onerror="{JS}">',
    f'<img src="data:image/png;base64,{PICTURE}" onerror="{JS}">',
    f'<img src="data:image/png;base64,{PICTURE} {PICTURE}">',
    f'<img src="data:image/svg+xml;base64,{PICTURE}">',
    f'<a href="data:image/png;base64,{PICTURE}">a link is not a picture</a>',
    f'<iframe src="data:image/png;base64,{PICTURE}"></iframe>',
    f'<svg><image href="data:image/png;base64,{PICTURE}"/></svg>',
    f"<script>x = 'data:image/png;base64,{PICTURE}'</script>",
    f"<style>p {{ background: url(data:image/png;base64,{PICTURE}) }}</style>",
    f'<p style="background: url(data:image/png;base64,{PICTURE})">styled</p>',
    f"<!-- data:image/png;base64,{PICTURE} -->",
    f"<p>printed as text: data:image/png;base64,{PICTURE}</p>",
    f"<img srcset='data:image/png;base64,{PICTURE} 1x'>",
    # text shaped like a set-aside token, and a payload just under the length that is
    "<p>data:image/png;base64,0123456789abcdef00000000</p>",
    f'<img src="data:image/png;base64,{PICTURE[:1000]}">',
    *(f'{payload}<img src="data:image/png;base64,{PICTURE}">' for payload in HTML_PAYLOADS),
]


@pytest.mark.parametrize("body", PICTURE_PLACES)
def test_setting_pictures_aside_changes_nothing_in_the_cleaned_page(body, monkeypatch):
    """clean_page_body sets long base64 pictures aside while nh3 parses the rest (about three
    times as fast): is what comes out exactly what cleaning it all at once gives?"""
    fast = safe_html.clean_page_body(body)
    monkeypatch.setattr(safe_html, "PICTURE_PAYLOAD", re.compile(r"(?!)"))
    assert fast == safe_html.clean_page_body(body)
    assert active(fast, classes=False, mathml=True) == set()


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_no_markdown_payload_survives_rendering(payload):
    """Markdown rendered then cleaned: no script link, picture or raw HTML trick survives."""
    assert active(safe_html.render_markdown(payload)) == set()


# The data: picture rule as a regular expression: the specification is_data_picture meets
# in C (with ASCII spaces only inside the picture).
DATA_PICTURE_SPEC = re.compile(
    r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/ \t\n\r\f\v]*={0,2}[ \t\n\r\f\v]*\Z",
    re.IGNORECASE | re.ASCII,
)


def data_url_variants():
    """Heads, payloads and tails of data: URLs, good and bad, combined."""
    heads = [
        "data:image/png;base64,",
        "DATA:IMAGE/JPEG;BASE64,",
        "data:image/gif;base64,",
        "data:image/svg+xml;base64,",
        "data:image/png,",
        "data:text/html;base64,",
        " data:image/png;base64,",
        "data:image/png;charset=x;base64,",
        "data:\u0131mage/png;ba\u017fe64,",
    ]
    payloads = [
        PNG,
        "",
        "AAAA",
        "AA AA\nAA",
        "AAA=",
        "AA==",
        "A===",
        "AA=A",
        "AA\u00a0AA",
        "AA\x1cAA",
        'AAAA" onerror="alert(1)',
        "AAAA<script>",
        "AA==\n",
        "AA== \t",
        "AA= =",
        "é",
        "AA\x00",
        "AA\u017fA",
        "AA\u212aA",
    ]
    tails = ["", " ", "\n", "\u2003", "'", "#x"]
    return [h + p + t for h in heads for p in payloads for t in tails]


def test_data_pictures_are_checked_by_the_rule():
    """is_data_picture says what the rule says, on every combination, in linear time."""
    for value in data_url_variants():
        expected = DATA_PICTURE_SPEC.match(value.strip()) is not None
        assert safe_html.is_data_picture(value) is expected, repr(value)


@pytest.mark.parametrize(
    "url, kind",
    [
        ("data:image/png;base64,AAAA", "picture"),
        (
            " d\x01a\tt a\x0b:image/png;base64,AAAA",
            "bad data",
        ),  # a data: URL, but not a picture once squeezed
        ("DaTa:image/png;base64,AAAA", "picture"),
        ("data:text/html;base64,PHNjcmlwdD4=", "bad data"),
        ("d a t a :text/html,<script>", "bad data"),
        ("\x00data:image/svg+xml;base64,PHN2Zz4=", "bad data"),
        ("https://example.org/data:text/html,x", "not data"),
        ("pictures/data:x.png", "not data"),
        ("#data:", "not data"),
    ],
)
def test_data_urls_are_told_apart_from_other_urls(url, kind):
    """Spaces and control characters before the colon do not hide a data: URL; a colon
    later on does not make one."""
    assert safe_html._url_ok("img", url) is (kind != "bad data")
    assert safe_html._url_ok("a", url) is (kind == "not data")


def test_harmless_html_is_kept():
    """Is ordinary formatting (links, pictures, tables, code, colour) still shown?"""
    html = (
        '<p style="color:#b3261e;font-weight:bold">Red</p><a href="https://example.org/">'
        f'link</a><a href="#part">anchor</a><img src="data:image/png;base64,{PNG}" '
        'width="20" alt="dot"><table><tr><td>1</td></tr></table><pre><code>x = 1</code></pre>'
        '<blockquote>q</blockquote><ul><li>item</li></ul><h2 id="part">Part</h2>'
    )
    cleaned = safe_html.clean_fragment(html)
    for kept in [
        'style="color:#b3261e;font-weight:bold"',
        'href="https://example.org/"',
        'href="#user-content-part"',
        'id="user-content-part"',
        f'src="data:image/png;base64,{PNG}"',
        'width="20"',
        "<table>",
        "<code>x = 1</code>",
        "<blockquote>q</blockquote>",
        "<li>item</li>",
    ]:
        assert kept in cleaned


def test_lesson_blockquote_renders_as_a_blockquote():
    """The lesson's '> ' notes render as <blockquote>, never as a literal &gt;."""
    config = course_config()
    notebook = read_notebook(SOURCE / "convolutions.ipynb")
    quoted = [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in re.findall(r"(?:^|\n\n)> ", cell.source)
    ]
    assert quoted, "the lesson should have a blockquote"
    html, _ = exporter(config, "classic").from_notebook_node(notebook)
    assert html.count("<blockquote>") >= len(quoted)
    assert not re.search(r"&amp;gt;|<p>&gt;", html)
    assert safe_html.render_markdown("> quoted\n\nplain").startswith("<blockquote>")


def test_formulas_in_outputs_stay_text():
    """Markdown printed by code keeps its formulas as text ($...$ kept; < escaped)."""
    html = safe_html.render_markdown("The sum $\\sum_{i<3} w_i$ is zero.")
    assert "$\\sum_{i&lt;3} w_i$" in html and "<math" not in html


def test_lesson_formula_becomes_mathml():
    """Is the lesson's $$...$$ MathML (no script, no network), subscripts and all?"""
    notebook = read_notebook(SOURCE / "convolutions.ipynb")
    formulas = [c.source for c in notebook.cells if c.cell_type == "markdown" and "$$" in c.source]
    assert formulas, "the lesson should have a display formula"
    html = safe_html.render_markdown(formulas[0], formulas=True)
    assert '<math display="block">' in html and "$$" not in html
    assert "<msub><mi>k</mi><mi>h</mi></msub>" in html
    assert active(html, mathml=True) == set()


@pytest.mark.parametrize("template", ["formgrade", "classic", "lab"])
def test_formgrader_pages_show_the_lessons_formula_as_mathml(template):
    """The formgrader's submission view uses the same filter: MathML, no $$ left for MathJax."""
    notebook = read_notebook(SOURCE / "convolutions.ipynb")
    html, _ = exporter(course_config(), template).from_notebook_node(
        notebook, resources=FORMGRADE_RESOURCES
    )
    assert '<math display="block">' in html
    assert "$$\\text{image" not in html


FORMULA_PAYLOADS = [
    f"$\\href{{javascript:{JS}}}{{x}}$",
    "$<script>alert(1)</script>$",
    "$\\style{background-image:url(https://evil.example/x.png)}{x}$",
    "$\\class{full-credit score}{x}$",
    "$\\color{red}{x} \\colorbox{red}{y}$",
    "$\\toggle{a}{b}\\endtoggle$",
    f"$x</math><img src=x onerror={JS}>$",
    f"<math href='javascript:{JS}'><mi>x</mi></math>",
    f"<math><maction actiontype='statusline'><mi>x</mi><mtext>{JS}</mtext></maction></math>",
    f"<math><semantics><mi>x</mi><annotation-xml encoding='text/html'>"
    f"<img src=x onerror={JS}></annotation-xml></semantics></math>",
    "<math><mglyph src='https://evil.example/x.png'></mglyph></math>",
    f"<math><mi style='background:url(javascript:{JS})' class='full-credit'>x</mi></math>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={JS}>",
]


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS + MARKDOWN_PAYLOADS)
def test_no_formula_payload_survives_rendering(payload):
    """Markdown cells (student-controlled) with formulas on: nothing can act, link or restyle."""
    html = safe_html.render_markdown(payload, formulas=True)
    assert active(html, mathml=True) == set()
    assert not re.search(r"<m\w+[^>]*\b(?:style|class|id|href|mathcolor)=", html)


@pytest.mark.parametrize(
    "latex",
    ["\\frac{1}{", "\\begin{matrix} a", "\\undefinedcommand x", "\\sqrt{" * 600 + "x" + "}" * 600],
)
def test_a_malformed_formula_is_shown_as_its_source(latex):
    html = safe_html.render_markdown(f"before ${latex}$ after", formulas=True)
    assert "<math" not in html and "before $" in html and "$ after" in html


def test_formulas_are_bounded():
    """A huge formula stays text; thousands of formulas cost a bounded, quick page."""
    from convgrade.feedback import formulas

    huge = "x+" * formulas.MAX_FORMULA_CHARS
    assert "<math" not in safe_html.render_markdown(f"${huge}$", formulas=True)
    many = " ".join(f"$x_{{{i}}}$" for i in range(20_000))
    started = time.process_time()
    html = safe_html.render_markdown(many, formulas=True)
    assert time.process_time() - started < 10
    assert "too large to show" not in html
    shown = html.count("<math")
    assert 100 < shown < 20_000 and "$x_{19999}$" in html


# Student-typed MathML that would move text over the page or blow it up, verbatim.
STUDENT_MATHML = [
    '<math><mpadded voffset="-400px" lspace="-300px" width="0"><mstyle mathsize="900%">'
    "<mtext>Score: 10 / 10</mtext></mstyle></mpadded></math>",
    '<math><mspace height="9999em" width="9999em"></mspace></math>',
    '<math><mspace width="-500em"></mspace><mo lspace="-50em" minsize="99em">x</mo></math>',
    '<math><mstyle scriptlevel="-9"><mi>x</mi></mstyle></math>',
]
# LaTeX whose latex2mathml output moves or sizes text: negative and huge spaces, rules,
# raised and shifted boxes, sizes that multiply when nested.
HOSTILE_LATEX = [
    "\\mathrm{\\hspace{-500em}}",
    "\\hspace{9999em}x",
    "\\rule{100em}{100em}",
    "\\raisebox{-50em}{x}",
    "\\lower 50em x",
    "\\moveleft 500em x",
    "\\kern-30em x \\mkern-900mu y \\mspace{-500mu} z",
    "\\Huge{\\Huge{\\Huge{x}}}",
    "\\big( x \\Bigg)",
    "\\not= \\xrightarrow{abc}",
    "a\\!b",
]
POSITIONING = re.compile(r"<mpadded|\b(?:voffset|lspace|rspace|mathsize|minsize|maxsize)=")


def lengths_are_small(html):
    """Every MathML length is non-negative and at most MAX_MATHML_LENGTH_EM."""
    names = "|".join(safe_html.MATHML_LENGTH_ATTRIBUTES)
    values = re.findall(f'<m\\w+[^>]*?\\b(?:{names})="([^"]*)"', html)
    return all(safe_html._small_lengths(value) for value in values)


@pytest.mark.parametrize("payload", STUDENT_MATHML)
def test_student_written_mathml_never_reaches_a_page(payload):
    """Is MathML a student typed dropped, in a markdown cell and in an output, with or
    without formulas on, while a formula beside it still renders?"""
    cell = safe_html.render_markdown(f"{payload}\n\nand $k_h$", formulas=True)
    assert cell.count("<math") == 1 and "<msub><mi>k</mi><mi>h</mi></msub>" in cell
    assert not POSITIONING.search(cell) and "9999em" not in cell
    for html in (
        safe_html.render_markdown(payload),
        safe_html.clean_fragment(payload),
        safe_html.clean_fragment(f"<p>{payload}</p>", what="Markdown"),
    ):
        assert "<m" not in html


@pytest.mark.parametrize("payload", STUDENT_MATHML)
def test_the_page_pass_strips_mathml_positioning(payload):
    """The whole-page pass keeps MathML, but none that moves text or is huge or negative."""
    html = safe_html.clean_page_body(payload)
    assert not POSITIONING.search(html) and lengths_are_small(html)
    assert 'scriptlevel="-' not in html


@pytest.mark.parametrize("latex", HOSTILE_LATEX)
def test_formulas_from_hostile_latex_stay_in_place_and_small(latex):
    """MathML latex2mathml makes from hostile LaTeX: no positioning, lengths small."""
    html = safe_html.render_markdown(f"before ${latex}$ after", formulas=True)
    assert not POSITIONING.search(html) and lengths_are_small(html)
    assert "mathbackground" not in html and active(html, mathml=True) == set()


def test_the_lessons_spacing_survives():
    """\\quad, \\, and aligned columns keep their (small, positive) spaces."""
    html = safe_html.render_markdown(
        "$a\\quad b\\,c$ $$\\begin{align}a&=b\\\\c&=d\\end{align}$$", formulas=True
    )
    assert '<mspace width="1em">' in html and '<mspace width="0.167em">' in html
    assert 'columnspacing="0em 2em"' in html and 'rowspacing="3pt"' in html


def test_a_formula_in_a_heading_anchor_is_text():
    """A formula's MathML goes only where text goes: the heading's id holds its LaTeX."""
    html = safe_html.render_markdown('# See $x_1$ "here"', formulas=True)
    heading = re.match(r"<h1 [^>]*>", html)[0]
    assert "<m" not in heading and "$x_1$" in heading
    assert "<msub><mi>x</mi><mn>1</mn></msub>" in html


def test_failed_formulas_spend_the_budget(monkeypatch):
    """Does a cell of tens of thousands of formulas that do not convert stop converting
    once the budget is spent, instead of trying each one?"""
    from convgrade.feedback import formulas

    attempts = []
    convert = formulas.latex_to_mathml
    monkeypatch.setattr(formulas, "latex_to_mathml", lambda *a: attempts.append(a) or convert(*a))
    source = ("$\\x$ " * 60_000)[: safe_html.MAX_HTML_CHARS]
    html = safe_html.render_markdown(source, formulas=True)
    assert "<math" not in html and html.count("$\\x$") == source.count("$\\x$")
    assert len(attempts) <= formulas.MAX_MATHML_CHARS // formulas.ATTEMPT_CHARS + 1


# ------------------------------------------------------------------------- size and time


def test_huge_misnested_html_is_replaced_by_a_note_at_once():
    """750 KiB of misnested tags: a short note, in far less than a second."""
    payload = "<b><i><u><a><p><table><td><div>" * 25_000
    assert len(payload) > 750 * 1024
    started = time.process_time()
    cleaned = safe_html.clean_fragment(payload)
    assert time.process_time() - started < 0.5
    assert "too large to show" in cleaned and len(cleaned) < 500


def test_cleaning_time_grows_linearly():
    """Just under the cap the sanitiser is linear: 4x the input costs well under 16x."""

    def cost(repeats):
        text = "<b><i><u><a><p><table><td><div>" * repeats
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            safe_html.clean_page_body(text)
            best = min(best, time.process_time() - started)
        return best

    small, large = cost(2_000), cost(8_000)
    assert large < 0.5
    assert large < 8 * max(small, 1e-3)


def test_markdown_too_large_is_a_note():
    assert "too large to show" in safe_html.render_markdown("*a " * 200_000)


@pytest.mark.parametrize("unit", ["<ul>", "<div>", "<i><div>", "<table><tr><td>"])
def test_a_fragment_nested_too_deep_is_a_note_not_minutes_of_parsing(unit):
    """nh3's parse takes time that grows with the square of the nesting depth: 28,000
    nested divs cost 2.6 s each time a page showed them. Past MAX_HTML_TAGS start tags a
    fragment, an output or a written answer, is a note; just under it, it is cleaned."""
    deep = unit * (safe_html.MAX_HTML_TAGS // unit.count("<") + 1) + "x"
    for cleaned in (safe_html.clean_fragment(deep), safe_html.render_markdown(deep)):
        assert "too large to show" in cleaned and "HTML tags" in cleaned
    under = unit * (safe_html.MAX_HTML_TAGS // unit.count("<") - 1) + "x"
    assert "too large" not in safe_html.clean_fragment(under)


def test_large_inline_pictures_do_not_count_as_markup():
    """The grader's own report embeds a comparison picture; it is kept whole."""
    picture = "A" * (1 << 20)
    html = f'<figure><img src="data:image/png;base64,{picture}"></figure>'
    assert picture in safe_html.clean_fragment(html)


# ------------------------------------------------------------- the allow-list preprocessor


def course_config():
    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def exporter(config, template):
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    config = copy.deepcopy(config)
    config.merge(
        Config(
            {
                "HTMLExporter": {
                    "template_name": template,
                    "extra_template_basedirs": [handlers.template_path],
                }
            }
        )
    )
    return HTMLExporter(config=config)


@pytest.mark.parametrize("template", ["formgrade", "classic"])
def test_a_page_renders_a_bounded_amount_of_markdown(template, monkeypatch):
    """Thousands of Markdown cells, each within its own bounds, once took minutes to render
    and made a page of 80 MB. Past the page's budget each cell is the start of its text,
    escaped: twice the cells render no more Markdown, each extra cell adds little to the
    page, and nothing in it is active."""
    monkeypatch.setattr(safe_html, "MAX_PAGE_MARKDOWN_CHARS", 40_000)
    # Nothing remembered from other pages: every cell within the budget is rendered here.
    fresh = safe_html.Remembered(safe_html._render_markdown_alone)
    monkeypatch.setattr(safe_html, "_remembered_markdown", fresh)
    real = safe_html.render_markdown
    cell = "{i} " + "*_" * 200 + " $x^{{2}}$ " * 20 + f"<script>{JS}</script>"

    def page(cells):
        rendered = []
        monkeypatch.setattr(
            safe_html, "render_markdown", lambda *a, **k: rendered.append(1) or real(*a, **k)
        )
        notebook = new_notebook(cells=[new_markdown_cell(cell.format(i=i)) for i in cells])
        html, _ = exporter(course_config(), template).from_notebook_node(
            notebook, resources=FORMGRADE_RESOURCES
        )
        return html, len(rendered)

    html, rendered = page(range(600))
    more, rendered_more = page(range(600, 1800))
    within = 40_000 // len(cell.format(i=1000))
    assert within <= rendered == rendered_more <= within + 1
    assert html.count("Shown as plain text") == 600 - rendered
    per_extra_cell = (len(more) - len(html)) / 600
    assert per_extra_cell < safe_html.PAST_BUDGET_EXCERPT_CHARS + 1200
    baseline, _ = exporter(course_config(), template).from_notebook_node(
        new_notebook(cells=[new_code_cell("x")]), resources=FORMGRADE_RESOURCES
    )
    assert active(more, mathml=True) - active(baseline, mathml=True) == set()


@pytest.mark.parametrize("template", ["formgrade", "classic"])
def test_code_is_coloured_with_the_course_lexer_within_bounds(template, monkeypatch):
    """Pygments takes time growing with the square of a crafted cell's length (a run of
    dots, with the course's own lexer), and a notebook or cell may ask for any lexer. Pages
    colour code with ipython3 only, cells up to a size and pages up to a budget; the rest
    is plain, escaped text."""
    from pygments.lexers import get_lexer_by_name

    asked = []
    real = get_lexer_by_name
    monkeypatch.setattr(
        "pygments.lexers.get_lexer_by_name", lambda name, **o: asked.append(name) or real(name, **o)
    )
    fresh = safe_html.Remembered(safe_html._highlight_alone)
    monkeypatch.setattr(safe_html, "_remembered_code", fresh)
    dots = new_code_cell("x = 1" + "." * 30_000 + f"<script>{JS}</script>")
    dots.metadata["magics_language"] = "zeek"
    honest = [new_code_cell(f"def f{i}(image):\n    return image * {i}\n") for i in range(3)]
    many = [new_code_cell(f"y{i} = [{i}]" + " + [0]" * 900) for i in range(40)]
    notebook = new_notebook(cells=[*honest, dots, *many])
    notebook.metadata["language_info"] = {"name": "zeek", "pygments_lexer": "zeek"}
    html, _ = exporter(course_config(), template).from_notebook_node(
        notebook, resources=FORMGRADE_RESOURCES
    )
    assert set(asked) <= {"ipython3"}, asked
    coloured = html.count('<span class="k">def</span>')
    assert coloured == 3, "honest cells are still coloured"
    assert "." * 30_000 in html and "&lt;script&gt;" in html, "the long cell is shown, plain"
    within = safe_html.MAX_PAGE_HIGHLIGHT_CHARS // len(many[0].source)
    assert html.count('<span class="n">y') <= within + 1


def test_the_lesson_is_far_within_a_pages_markdown_budget():
    notebook = read_notebook(SOURCE / "convolutions.ipynb")
    lesson = sum(len(c.source) for c in notebook.cells if c.cell_type == "markdown")
    assert lesson < safe_html.MAX_PAGE_MARKDOWN_CHARS / 10


def picture_output(metadata, data=None):
    return new_output(
        "display_data", data=data or {"image/png": PNG, "text/plain": "p"}, metadata=metadata
    )


METADATA_PAYLOADS = [
    {"width": f"1 onerror={JS}"},
    {"height": f"1 onload={JS}"},
    {"image/png": {"width": f"1 onerror={JS}", "height": "2\tonerror=x"}},
    {"image/png": {"width": [1], "height": {"a": 1}}, "width": True},
    {"image/png": {"alt": f'" onerror="{JS}', "unconfined": f"x onerror={JS}"}},
    {"filenames": {"image/png": f'x.png" onerror="{JS}'}},
    {"text/html": {"isolated": True}, "isolated": True},
    {"image/png": {"width": -3, "height": 10**9}, "custom": f"<script>{JS}</script>"},
]


def safe(notebook):
    return SafeOutputs().preprocess(notebook, {})[0]


@pytest.mark.parametrize("metadata", METADATA_PAYLOADS)
@pytest.mark.parametrize("template", ["classic", "lab", "formgrade"])
def test_no_metadata_reaches_an_attribute_unchecked(metadata, template):
    """Any metadata key, any template: only integer width/height and escaped alt survive."""
    cell = new_code_cell("x", outputs=[picture_output(metadata)])
    notebook = new_notebook(cells=[cell])
    kept = safe(copy.deepcopy(notebook)).cells[0].outputs[0].metadata
    assert set(kept) <= {"width", "height", "alt", "unconfined", "image/png", "image/jpeg"}
    for value in [kept, *(kept.get(m, {}) for m in ("image/png", "image/jpeg"))]:
        for key in ("width", "height"):
            assert key not in value or (type(value[key]) is int and value[key] > 0)
    html, _ = exporter(course_config(), template).from_notebook_node(
        notebook, resources=FORMGRADE_RESOURCES
    )
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert imgs and all(active(img) == set() for img in imgs), imgs
    assert notebook_active(html, template) == set()
    assert "isolated-iframe" not in html


def test_integer_sizes_are_kept():
    cell = new_code_cell(
        "x", outputs=[picture_output({"image/png": {"width": 64, "height": "32"}})]
    )
    kept = safe(new_notebook(cells=[cell])).cells[0].outputs[0].metadata
    assert kept == {"image/png": {"width": 64, "height": 32}}


def test_only_allowed_mime_types_are_kept():
    """SVG, JavaScript, widgets, LaTeX, PDF and unknown types are dropped; HTML is cleaned."""
    data = {
        "image/svg+xml": f"<svg onload={JS}/>",
        "application/javascript": JS,
        "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
        "text/latex": f"$\\href{{javascript:{JS}}}{{x}}$",
        "application/pdf": "JVBERi0=",
        "text/x-unknown": f"<script>{JS}</script>",
        "text/html": f"<b onclick={JS}>bold</b>",
        "text/plain": "plain",
    }
    cell = new_code_cell("x", outputs=[new_output("display_data", data=data)])
    kept = safe(new_notebook(cells=[cell])).cells[0].outputs[0].data
    assert set(kept) == {"text/html", "text/plain"}
    assert kept["text/html"] == "<b>bold</b>"


def test_an_output_with_nothing_showable_says_so():
    cell = new_code_cell(
        "x", outputs=[new_output("display_data", data={"image/svg+xml": "<svg/>"})]
    )
    output = safe(new_notebook(cells=[cell])).cells[0].outputs[0]
    assert "not shown" in output.data["text/plain"] and "image/svg+xml" in output.data["text/plain"]


def test_markdown_output_is_rendered_and_cleaned():
    data = {"text/markdown": f"> quote\n\n[x](javascript:{JS})"}
    cell = new_code_cell("x", outputs=[new_output("display_data", data=data)])
    kept = safe(new_notebook(cells=[cell])).cells[0].outputs[0].data
    assert set(kept) == {"text/html"}
    assert "<blockquote>" in kept["text/html"] and active(kept["text/html"]) == set()


@pytest.mark.parametrize(
    "data",
    [
        'AAAA" onerror="alert(1)',
        PNG + " onerror=alert(1)",
        PNG + '"><script>alert(1)</script>',
        "data:text/html;base64,PHNjcmlwdD4=",
        "not base64 at all!",
        "",
    ],
)
def test_picture_data_must_be_strict_base64(data):
    cell = new_code_cell("x", outputs=[picture_output({}, {"image/png": data, "image/jpeg": data})])
    kept = safe(new_notebook(cells=[cell])).cells[0].outputs[0].data
    assert "image/png" not in kept and "image/jpeg" not in kept


def test_strict_base64_and_positive_int():
    assert strict_base64(PNG) == PNG
    assert strict_base64(PNG[:40] + "\n" + PNG[40:]) == PNG
    assert strict_base64("A" * 100, limit=50) is None
    assert [positive_int(v) for v in (1, "12", " 7 ", 0, -1, 1.5, True, "1e3", None)] == [
        1,
        12,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
    ]


def test_output_types_and_stream_names_are_kept_for_scoring():
    """nbgrader scores from error outputs and stderr: they stay what they were."""
    outputs = [
        new_output("stream", name="stderr", text="warning\n"),
        new_output("error", ename="ValueError", evalue="bad", traceback=["tb"]),
        new_output("execute_result", data={"text/plain": "3"}, execution_count=4),
    ]
    cell = new_code_cell("x", outputs=outputs)
    kept = safe(new_notebook(cells=[cell])).cells[0].outputs
    assert [o.output_type for o in kept] == ["stream", "error", "execute_result"]
    assert kept[0].name == "stderr" and kept[1].ename == "ValueError"
    assert kept[2].execution_count == 4


def test_unknown_output_types_and_streams_become_notes():
    notebook = new_notebook(cells=[new_code_cell("x")])
    notebook.cells[0].outputs = [
        nbformat.from_dict({"output_type": "evil", "data": {"text/html": "<script>"}}),
        nbformat.from_dict({"output_type": "stream", "name": "stdhtml", "text": "<script>"}),
        "not even a dict",
    ]
    kept = safe(notebook).cells[0].outputs
    assert [o.name for o in kept] == ["stdout"] * 3
    assert all(o.text.startswith("[convgrade: ") for o in kept)


def test_plain_text_outputs_cannot_carry_markup():
    """Printed text, text/plain, exception names, messages and tracebacks are escaped."""
    markup = f"<script>{JS}</script><img src=x onerror={JS}>"
    outputs = [
        new_output("stream", name="stdout", text=markup),
        new_output("stream", name="stderr", text=markup),
        new_output("error", ename=markup, evalue=markup, traceback=[markup, "\x1b[31m" + markup]),
        new_output("execute_result", data={"text/plain": markup}, execution_count=1),
    ]
    notebook = new_notebook(cells=[new_code_cell("x", outputs=outputs)])
    for template in ["classic", "lab", "formgrade"]:
        html, _ = exporter(course_config(), template).from_notebook_node(
            copy.deepcopy(notebook), resources=FORMGRADE_RESOURCES
        )
        assert notebook_active(html, template) == set()
        assert html.count("&lt;script&gt;") >= 5  # streams, traceback lines, text/plain


def notebook_active(html, template):
    """What the notebook put in a page beyond what the template puts in every page."""
    baseline, _ = exporter(course_config(), template).from_notebook_node(
        new_notebook(cells=[new_code_cell("x")]), resources=FORMGRADE_RESOURCES
    )
    return active(html) - active(baseline)


def test_metadata_is_reduced_to_allow_lists():
    notebook = new_notebook(
        cells=[
            new_code_cell("x", metadata={"alt": f'"{JS}', "nbgrader": {"grade_id": "a"}}),
            new_markdown_cell(
                "![a](attachment:a.png)",
                attachments={
                    "a.png": {"image/png": PNG},
                    "b.svg": {"image/svg+xml": "<svg onload=alert(1)>"},
                    "c.png": {"image/png": 'A" onerror="x'},
                },
            ),
            new_raw_cell(f"<img src=x onerror={JS}>", metadata={"raw_mimetype": "text/html"}),
        ],
        metadata={
            "title": f"</title><script>{JS}</script>",
            "widgets": {"application/vnd.jupyter.widget-state+json": {"x": "</script>"}},
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)"},
            "language_info": {"name": "python", "pygments_lexer": "<script>"},
            "authors": [{"name": "x"}],
        },
    )
    kept = safe(notebook)
    assert set(kept.metadata) == {"kernelspec", "language_info"}
    assert kept.metadata.language_info == {"name": "python"}
    assert kept.cells[0].metadata == {"nbgrader": {"grade_id": "a"}}
    assert set(kept.cells[1].attachments) == {"a.png"}
    assert kept.cells[2].metadata == {} and active(kept.cells[2].source) == set()
    nbformat.validate(kept)


@pytest.mark.parametrize("template", ["classic", "lab", "formgrade"])
def test_a_cell_tag_adds_no_class_of_the_students_choosing(template):
    """Pages print tags into a cell's class attribute: a tag with a space (or any other
    separator) would add its own classes, such as Bootstrap's "hidden" on an answer cell or
    a full-page "modal-backdrop". Such tags are dropped; one-word tags are kept once."""
    tags = [
        "x hidden",
        "y\tmodal-backdrop",
        "z\nfade",
        "ok",
        "ok",
        "a,b",
        "q'r",
        7,
        "raises-exception",
    ]
    cell = new_code_cell("def convolve(image, kernel):\n    pass")
    cell.metadata["tags"] = tags  # set after: nbformat would refuse these tags
    notebook = new_notebook()
    notebook.cells = [cell]
    kept = safe(notebook)
    assert kept.cells[0].metadata["tags"] == ["ok", "raises-exception"]
    nbformat.validate(kept)
    html, _ = exporter(course_config(), template).from_notebook_node(
        kept, resources=FORMGRADE_RESOURCES
    )
    classes = {word for found in re.findall(r'class="([^"]*)"', html) for word in found.split()}
    assert not {"hidden", "modal-backdrop", "fade"} & classes


def test_an_old_autograded_notebook_is_safe_in_the_formgrader(tmp_path):
    """A notebook graded before SafeOutputs existed (payloads still in it) is shown safely."""
    outputs = [
        picture_output({"image/png": {"width": f"1 onerror={JS}"}}),
        new_output("display_data", data={"text/html": HTML_PAYLOADS[0] + HOOK_PAYLOAD}),
        new_output("display_data", data={"text/markdown": MARKDOWN_PAYLOADS[0]}),
        new_output("display_data", data={"image/svg+xml": f"<svg onload={JS}/>"}),
    ]
    notebook = new_notebook(
        cells=[
            new_markdown_cell("> quote\n\n" + "\n".join(MARKDOWN_PAYLOADS[:14])),
            new_code_cell("x", outputs=outputs),
        ]
    )
    path = tmp_path / "old.ipynb"
    nbformat.write(notebook, str(path))
    html, _ = exporter(course_config(), "formgrade").from_filename(
        str(path), resources=FORMGRADE_RESOURCES
    )
    assert notebook_active(html, "formgrade") == set()
    assert "<blockquote>" in html
    # The same notebook without the course configuration: the payloads are live.
    raw, _ = exporter(Config(), "formgrade").from_filename(str(path), resources=FORMGRADE_RESOURCES)
    assert {"img onerror=", "div class=full-credit score tabbable"} <= active(raw) - active(
        exporter(Config(), "formgrade").from_notebook_node(
            new_notebook(cells=[new_code_cell("x")]), resources=FORMGRADE_RESOURCES
        )[0]
    )


# ---------------------------------------------------------------------------- configuration


def test_course_config_wires_the_page_protections():
    """Both grading paths and every page read these settings from nbgrader_config.py."""
    from convgrade.batch.submission_grader import WRITERS, configured_autograde, load_config

    config = course_config()
    names = [p.__name__ for p in config.Autograde.autograde_preprocessors]
    assert "SafeOutputs" in names and "SanitizeHTML" not in names
    assert names.index("SafeOutputs") < names.index("HiddenChecks")
    assert SafeOutputs in config.HTMLExporter.preprocessors
    for name in ("markdown2html", "highlight_code"):
        assert config.HTMLExporter.filters[name] == f"convgrade.feedback.safe_html.{name}"
    assert config.GenerateFeedback.exporter_class is safe_html.SafeFeedbackExporter
    # The batch path (convgrade grade) builds its worker exporter from the same list.
    batch = configured_autograde(load_config(REPO)).autograde_preprocessors
    assert SafeOutputs in [p for p in batch if p.__name__ not in WRITERS]


@pytest.mark.parametrize(
    "line",
    [
        "c.HTMLExporter.preprocessors = [SafeOutputs]",
        '    "markdown2html": "convgrade.feedback.safe_html.markdown2html",',
        '    "highlight_code": "convgrade.feedback.safe_html.highlight_code",',
        "c.GenerateFeedback.exporter_class = SafeFeedbackExporter",
    ],
)
def test_check_config_refuses_a_config_without_page_protection(tmp_path, line):
    from convgrade.autograde.config_check import ConfigProblem, verify_course_config

    text = (REPO / "nbgrader_config.py").read_text()
    assert line in text
    (tmp_path / "nbgrader_config.py").write_text(text.replace(line, ""))
    with pytest.raises(ConfigProblem):
        verify_course_config(tmp_path / "nbgrader_config.py")
    verify_course_config(REPO / "nbgrader_config.py")


def test_feedback_writer_refuses_an_unsafe_exporter(tmp_path):
    from convgrade.feedback.writer import UnsafeFeedbackConfig, write_feedback

    text = (REPO / "nbgrader_config.py").read_text()
    line = "c.GenerateFeedback.exporter_class = SafeFeedbackExporter"
    (tmp_path / "nbgrader_config.py").write_text(text.replace(line, ""))
    with pytest.raises(UnsafeFeedbackConfig):
        write_feedback(tmp_path, "convolutions", ["x"])


# ------------------------------------------- bidirectional controls (Trojan Source)

# Unicode's Bidi_Control property, all of it: what a page must show, never apply.
BIDI_CONTROLS = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F))]
BIDI_CONTROLS += [chr(c) for c in range(0x2066, 0x206A)]


def with_controls(place):
    """`place`, then every bidirectional control between commas, in brackets."""
    return f"{place}(" + ",".join(BIDI_CONTROLS) + ")"


def shown_controls(place):
    """What a TA reads for `with_controls(place)`: each control as its code point."""
    return f"{place}(" + ",".join(f"<U+{ord(c):04X}>" for c in BIDI_CONTROLS) + ")"


def page_text(html):
    """The text a browser shows for a page's body (tags dropped, entities read)."""
    import html as html_module

    body = html[html.find("<body") :]
    return html_module.unescape(re.sub(r"<[^>]*>", "", body))


def raw_controls(html):
    return sorted({f"U+{ord(c):04X}" for c in html if c in BIDI_CONTROLS})


def test_the_bidi_class_is_the_whole_bidi_control_property():
    """Every explicit embedding, override and isolate Unicode knows, and the three marks."""
    import sys
    import unicodedata

    explicit = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
    found = {
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.bidirectional(chr(c)) in explicit
    }
    assert found | {"\u061c", "\u200e", "\u200f"} == set(BIDI_CONTROLS)
    assert all(safe_html.BIDI_CONTROL.fullmatch(c) for c in BIDI_CONTROLS)
    assert not safe_html.BIDI_CONTROL.search("abc \u05d0\u05d1 \u0627 \u200b \u00e9 <>&\"'")


def trojan_notebook():
    """Every place student text reaches a page as text, each holding every control."""
    long_code = (
        "# " + "x" * safe_html.MAX_CELL_HIGHLIGHT_CHARS + f"\ns = '{with_controls('plain')}'"
    )
    outputs = [
        new_output("stream", name="stdout", text=with_controls("stdout") + "\n"),
        new_output("stream", name="stderr", text=with_controls("stderr") + "\n"),
        new_output(
            "error",
            ename=with_controls("ename"),
            evalue=with_controls("evalue"),
            traceback=[with_controls("traceback"), "\x1b[31m" + with_controls("ansi") + "\x1b[0m"],
        ),
        new_output(
            "execute_result", data={"text/plain": with_controls("result")}, execution_count=1
        ),
        new_output(
            "display_data",
            data={"text/html": f'<b title="{with_controls("attr")}">{with_controls("html")}</b>'},
        ),
        new_output("display_data", data={"text/markdown": f"*{with_controls('mdout')}*"}),
    ]
    answer = new_markdown_cell(
        with_controls("answer"),
        metadata={
            "nbgrader": {
                "grade_id": "written",
                "solution": True,
                "grade": True,
                "points": 2,
                "comment": with_controls("comment"),
            }
        },
    )
    return new_notebook(
        cells=[
            new_code_cell(f"access = '{with_controls('code')}'  # {with_controls('comm')}"),
            new_code_cell(long_code),
            new_code_cell("run()", outputs=outputs),
            new_markdown_cell(
                f"Some *text* {with_controls('markdown')} and `{with_controls('tick')}`"
            ),
            answer,
            new_raw_cell(with_controls("raw"), metadata={"raw_mimetype": "text/html"}),
            new_raw_cell(f"<i>{with_controls('rawhtml')}</i>"),
        ]
    )


# Where each shows on a page (an error's name and message show in its traceback only).
PLACES = "code comm plain stdout stderr traceback ansi result html mdout markdown tick raw rawhtml"


def feedback_page(notebook, tmp_path):
    """A feedback page from the course's exporter, configured as generate_feedback does."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    app = GenerateFeedback(coursedir=CourseDirectory(root=str(tmp_path)), config=course_config())
    for cell in notebook.cells:
        grader = cell.metadata.get("nbgrader", {})
        if grader.get("grade") or grader.get("task"):
            grader["score"] = grader.get("points", 0)  # what nbgrader's GetGrades adds
    found = {"total": "", "tasks": [], "fix_first": "", "mistakes": [], "awaiting": []}
    grades = {"notebook": "convolutions", "assignment": "convolutions", "student": "x"}
    resources = {
        "nbgrader": grades | {"score": 0.0, "max_score": 2.0, "late_penalty": 0},
        "convgrade": found,
    }
    exporter = safe_html.SafeFeedbackExporter(parent=app, config=app.config)
    return exporter.from_notebook_node(notebook, resources)


@pytest.mark.parametrize("template", ["formgrade", "classic", "lab", "feedback"])
def test_bidi_controls_are_shown_as_code_points_in_every_place(template, tmp_path, monkeypatch):
    """Trojan Source: a right-to-left override or an isolate makes code read differently
    from how it runs. On every page (the formgrader's, nbconvert's templates, feedback) no
    control reaches the HTML; each is shown as <U+XXXX> where it was: coloured and plain
    code, printed text, errors, results, HTML and Markdown outputs, Markdown cells, a
    written answer and its comment (feedback), and raw cells."""
    fresh = safe_html.Remembered(safe_html._render_markdown_alone)
    monkeypatch.setattr(safe_html, "_remembered_markdown", fresh)

    def page(notebook):
        if template == "feedback":
            return feedback_page(notebook, tmp_path)[0]
        return exporter(course_config(), template).from_notebook_node(
            notebook, resources=FORMGRADE_RESOURCES
        )[0]

    html = page(trojan_notebook())
    assert raw_controls(html) == []
    text = page_text(html)
    places = PLACES.split() + ["answer"] + (["comment"] if template == "feedback" else [])
    assert [place for place in places if shown_controls(place) not in text] == []
    # In code and Markdown each run is marked: a class and a title that say what it is.
    spans = re.findall(r'<span class="convgrade-bidi"[^>]*>', html)
    titled = [span for span in spans if 'title="An invisible Unicode control' in span]
    assert len(titled) >= 4 * len(BIDI_CONTROLS)
    # Inside an attribute the control is its code point too, and adds no markup.
    assert f'title="{with_controls("attr")}"' not in html
    # Nothing active that the same notebook without the controls does not have.
    without = nbformat.reads(safe_html.BIDI_CONTROL.sub("", nbformat.writes(trojan_notebook())), 4)
    assert active(html) - active(page(without)) == set()


def test_bidi_controls_past_the_markdown_budget_are_shown(monkeypatch):
    monkeypatch.setattr(safe_html, "MAX_PAGE_MARKDOWN_CHARS", 10)
    cells = [new_markdown_cell(with_controls(f"cell{i}")) for i in range(3)]
    html, _ = exporter(course_config(), "formgrade").from_notebook_node(
        new_notebook(cells=cells), resources=FORMGRADE_RESOURCES
    )
    assert html.count("Shown as plain text") == 3
    assert raw_controls(html) == []
    assert all(shown_controls(f"cell{i}") in page_text(html) for i in range(3))


BIDI_INJECTIONS = [
    '<a title="&quot;&gt;\u202e<img src=x onerror=alert(1)>">x</a>',
    "<a href='#\u202e\" onmouseover=alert(1) x=\"'>x</a>",
    '<img alt="\u2066" src="x" title=\'\u202e"><script>alert(1)</script>\'>',
    "<p>\u202e</p><!-- \u202e --><style>\u202e</style><textarea>\u202e</textarea>",
    "<table><td>\u202e<tr>\u2067</table>\u2069",
]


@pytest.mark.parametrize(
    "markup",
    [
        '<bdo dir="rtl">if access != "user"</bdo>',
        '<span dir="rtl">42 = 0 + 42</span>',
        '<p dir="RTL">rtl</p><div DIR=auto>x</div>',
        "<bdi>x</bdi> <b dir='ltr'>y</b>",
        '<table dir="rtl"><tr><td>1</td><td>2</td></tr></table>',
    ],
)
def test_the_markup_forms_of_bidi_controls_are_dropped(markup):
    """`<bdo dir=rtl>` is U+202E in markup, `dir=` an isolate: the text stays, the
    reordering goes, on every path a student's HTML takes to a page."""
    paths = [
        safe_html.clean_fragment,
        safe_html.clean_page_body,
        lambda text: safe_html.render_markdown(text, formulas=True),
    ]
    for clean in paths:
        cleaned = clean(markup)
        assert not re.search(r"<bd[oi]|\bdir\s*=", cleaned, re.IGNORECASE), cleaned
        assert re.sub(r"<[^>]*>|\s", "", cleaned) == re.sub(r"<[^>]*>|\s", "", markup)


@pytest.mark.parametrize("payload", BIDI_INJECTIONS)
def test_bidi_markers_add_no_markup_of_the_students_choosing(payload):
    """The marker is written after nh3: in text, a fixed span; in an attribute, escaped."""
    for cleaned in (
        safe_html.clean_fragment(payload),
        safe_html.clean_page_body(payload),
        safe_html.render_markdown(payload, formulas=True),
        safe_html.clean_page_body(safe_html.clean_fragment(payload)),
    ):
        assert raw_controls(cleaned) == []
        assert active(cleaned, classes=False) == set()
        spans = re.findall(r"<span\b[^>]*>", cleaned)
        assert all(span.startswith('<span class="convgrade-bidi" title=') for span in spans)


def test_a_fragment_of_controls_adds_a_bounded_number_of_spans():
    safe_html._page_bidi_markers.set(None)  # outside a page: no page limit
    cleaned = safe_html.clean_fragment("a\u202e" * 10_000)
    assert raw_controls(cleaned) == []
    assert cleaned.count("<span") == safe_html.MAX_BIDI_SPANS
    assert cleaned.count("&lt;U+202E&gt;") == 10_000


@pytest.mark.parametrize("template", ["formgrade", "feedback"])
def test_a_page_shows_a_bounded_number_of_markers(template, tmp_path):
    """Each marker is many characters of HTML: 1,000 cells of 100 controls made a 28 MB
    page (red team). Past MAX_PAGE_BIDI_MARKERS a control is U+FFFD, one for one, and it
    still does not reorder anything."""
    hidden = "a\u200f" * 100
    cells = []
    for i in range(300):
        cells.append(new_code_cell(f"x = '{hidden}'"))
        cells.append(new_markdown_cell(f"{hidden} {i}"))
        cells.append(new_raw_cell(hidden))
        outputs = [new_output("stream", name="stdout", text=hidden)]
        outputs.append(new_output("display_data", data={"text/html": f"<b>{hidden}</b>"}))
        cells.append(new_code_cell("show()", outputs=outputs))
    notebook = new_notebook(cells=cells)
    if template == "feedback":
        html = feedback_page(notebook, tmp_path)[0]
        without = nbformat.reads(nbformat.writes(notebook).replace("\u200f", ""), 4)
        plain = feedback_page(without, tmp_path)[0]
    else:
        html = exporter(course_config(), template).from_notebook_node(
            notebook, resources=FORMGRADE_RESOURCES
        )[0]
        plain = None
    assert raw_controls(html) == []
    assert html.count("&lt;U+200F&gt;") <= safe_html.MAX_PAGE_BIDI_MARKERS
    assert html.count("\ufffd") >= 300 * 5 * 100 - 2 * safe_html.MAX_PAGE_BIDI_MARKERS
    if plain is not None:  # the markers add a bounded amount to the page
        assert len(html) - len(plain) < 300 * 5 * 100 * 3 + safe_html.MAX_PAGE_BIDI_MARKERS * 300


def test_a_notebook_keeps_its_text_outputs_as_printed():
    """Autograding (not a page) keeps printed text as it was: only pages show markers."""
    outputs = [new_output("stream", name="stdout", text=with_controls("out"))]
    notebook = new_notebook(cells=[new_code_cell("x", outputs=outputs)])
    kept = SafeOutputs().preprocess(copy.deepcopy(notebook), {"output_extension": ".ipynb"})[0]
    assert kept.cells[0].outputs[0].text == with_controls("out")
    shown = SafeOutputs().preprocess(copy.deepcopy(notebook), {"output_extension": ".html"})[0]
    assert shown.cells[0].outputs[0].text == shown_controls("out")


# ----------------------------------------------------------- a page's budget of HTML tags

NESTED = "<div>" * 3000 + "deep {i}" + "</div>" * 3000  # under MAX_HTML_TAGS, a fifth of it


def crowded_notebook(fragments):
    """`fragments` of 3,000 nested tags each, in every kind of place a fragment can be."""
    cells = []
    for i in range(fragments):
        kind = i % 4
        fragment = NESTED.format(i=i)
        if kind == 0:
            output = new_output("display_data", data={"text/html": fragment})
            cells.append(new_code_cell(f"show({i})", outputs=[output]))
        elif kind == 1:
            output = new_output("display_data", data={"text/markdown": fragment})
            cells.append(new_code_cell(f"show({i})", outputs=[output]))
        elif kind == 2:
            cells.append(new_raw_cell(fragment, metadata={"raw_mimetype": "text/html"}))
        else:
            cells.append(new_markdown_cell(fragment))
    return new_notebook(cells=cells)


@pytest.fixture
def parsed_tags(monkeypatch):
    """The start tags nh3 parses, in all (markdown remembered from other tests forgotten)."""
    counted = []
    real = safe_html.nh3.clean

    def clean(text, **options):
        counted.append(len(safe_html.START_TAG.findall(text)))
        return real(text, **options)

    monkeypatch.setattr(safe_html.nh3, "clean", clean)
    fresh = safe_html.Remembered(safe_html._render_markdown_alone)
    monkeypatch.setattr(safe_html, "_remembered_markdown", fresh)
    return counted


@pytest.mark.parametrize("template", ["formgrade", "classic"])
def test_a_page_parses_a_bounded_number_of_html_tags(template, parsed_tags):
    """Each fragment is under MAX_HTML_TAGS, but one page held hundreds of them (8 MiB of
    outputs: 57 s in the formgrader, 27 s as feedback, at every view). The page's outputs
    (HTML and Markdown outputs, raw cells) share one budget of start tags, its Markdown
    cells another: past its budget a fragment is a short note, and nh3 does not parse it."""
    within = safe_html.MAX_PAGE_HTML_TAGS // 3000
    html, resources = exporter(course_config(), template).from_notebook_node(
        crowded_notebook(6 * within), resources=FORMGRADE_RESOURCES
    )
    shown = html.count("deep ")
    assert shown == 2 * within
    notes = html.count("left out of this page: the notebook's HTML is over what one page shows")
    plain = html.count("Shown as plain text: this notebook's HTML is over")
    assert notes + plain == 4 * within and plain > 0 and notes > 0
    assert "Raw cell left out" in html and "HTML output left out" in html
    assert "Markdown left out" in html  # a text/markdown output
    assert sum(parsed_tags) <= 2 * safe_html.MAX_PAGE_HTML_TAGS
    assert resources[safe_html.PAGE_TAGS_KEY] == within * 3000
    assert resources[safe_html.MARKDOWN_TAGS_KEY] == within * 3000


def test_a_fragment_that_fits_after_one_that_does_not_is_shown(parsed_tags):
    """What the page cannot hold is not parsed, so it is not counted either."""
    within = safe_html.MAX_PAGE_HTML_TAGS // 3000
    fragments = [NESTED.format(i=i) for i in range(within)] + [NESTED.format(i="late")]
    for kind in ("outputs", "markdown"):
        if kind == "outputs":
            html_outputs = [*fragments, "<p>a <em>small</em> answer</p>"]
            outputs = [new_output("display_data", data={"text/html": h}) for h in html_outputs]
            cells = [new_code_cell("show()", outputs=outputs)]
        else:
            cells = [new_markdown_cell(f) for f in [*fragments, "a *small* answer"]]
        parsed_tags.clear()
        html, _ = exporter(course_config(), "formgrade").from_notebook_node(
            new_notebook(cells=cells), resources=FORMGRADE_RESOURCES
        )
        assert html.count("deep ") == within and "deep late" not in html
        assert "a <em>small</em> answer" in html
        assert sum(parsed_tags) == within * 3000 + 2  # the small answer's <p> and <em>


@pytest.mark.parametrize("tags, shown", [(1999, True), (2001, False)])
def test_raw_cells_count_for_the_second_cleaning_pages_give_them(tags, shown):
    """nbconvert's templates clean raw cells again with bleach, some 20 times nh3's time
    (0.7 s for 3,999 nested divs): a page holds 2,000 tags of raw cells."""
    from convgrade.feedback.safeoutputs import RAW_CELL_TAG_WEIGHT

    assert RAW_CELL_TAG_WEIGHT * 2000 == safe_html.MAX_PAGE_HTML_TAGS
    raw = new_raw_cell("<div>" * tags + "deep", metadata={"raw_mimetype": "text/html"})
    html, _ = exporter(course_config(), "formgrade").from_notebook_node(
        new_notebook(cells=[raw]), resources=FORMGRADE_RESOURCES
    )
    assert ("deep" in html) is shown
    assert ("Raw cell left out of this page" in html) is not shown


def test_a_feedback_page_holds_a_bounded_number_of_html_tags(tmp_path, parsed_tags):
    """The feedback page: the same budget, and its whole-body pass parses what is shown."""
    within = safe_html.MAX_PAGE_HTML_TAGS // 3000
    html, _ = feedback_page(crowded_notebook(6 * within), tmp_path)
    assert html.count("deep ") == 2 * within  # the outputs' budget, and the Markdown's
    # Each fragment once on its own, then the page's body once with every fragment in it.
    budgets = 2 * safe_html.MAX_PAGE_HTML_TAGS
    assert sum(parsed_tags) <= 2 * (budgets + safe_html.MAX_HTML_TAGS)


@pytest.mark.parametrize("template", ["formgrade", "feedback"])
def test_formulas_count_against_the_pages_tags(template, tmp_path, parsed_tags, monkeypatch):
    """Formulas are put back after their cell is cleaned, so they were never counted: 97
    cells of 2,700 `$x$` each made a formgrader page of 398,000 tags, 27 s a view (red
    team). Each formula's MathML is charged as it is made; past the page's budget the rest
    stay LaTeX text (a cell then is its start, as text), and each cell after it tries at
    most one conversion."""
    from convgrade.feedback import formulas

    attempts = []
    convert = formulas.latex_to_mathml
    monkeypatch.setattr(formulas, "latex_to_mathml", lambda *a: attempts.append(a) or convert(*a))
    cells = [
        new_markdown_cell(
            f"cell {i}: " + " ".join(f"${'xyzab'[j % 5]}_{j % 7}$" for j in range(2700))
        )
        for i in range(12)
    ]
    notebook = new_notebook(cells=cells)
    if template == "feedback":
        html, _ = feedback_page(notebook, tmp_path)
    else:
        html, resources = exporter(course_config(), template).from_notebook_node(
            notebook, resources=FORMGRADE_RESOURCES
        )
        assert resources[safe_html.MARKDOWN_TAGS_KEY] <= safe_html.MAX_PAGE_HTML_TAGS
    shown = html.count("<math")
    assert 0 < shown < 12 * 2700 / 2  # some shown, well under half of them
    assert "Shown as plain text: this notebook's HTML is over" in html  # the cells after
    assert len(safe_html.START_TAG.findall(html)) < safe_html.MAX_PAGE_HTML_TAGS + 2000
    # Converted but not shown: the formulas of the cell that filled the page, whose own
    # tags then did not fit, and one try in each cell after it.
    assert len(attempts) <= shown + 2700 + len(cells)
    # Each formula's MathML is cleaned by nh3 on its own: only those the page holds.
    assert sum(parsed_tags) <= 3 * safe_html.MAX_PAGE_HTML_TAGS


@pytest.mark.parametrize("template", ["formgrade", "feedback"])
@pytest.mark.parametrize("kind", ["stream", "error"])
def test_colour_codes_count_against_the_pages_tags(template, kind, tmp_path):
    """nbconvert turns each ANSI colour change into a <span>, which no budget counted (red
    team: four outputs of 256 KiB of colour changes, 11.5 s a formgrader view). They are
    charged like tags; text past the budget is shown without its colours, in full."""
    line = "\x1b[31mx\x1b[32my" * 4000  # 8,000 colour changes
    if kind == "stream":
        outputs = [new_output("stream", name="stdout", text=line + "\n") for _ in range(8)]
    else:
        outputs = [new_output("error", ename="ValueError", evalue="x", traceback=[line] * 8)]
    notebook = new_notebook(cells=[new_code_cell("show()", outputs=outputs)])
    if template == "feedback":
        html, _ = feedback_page(notebook, tmp_path)
    else:
        html, _ = exporter(course_config(), template).from_notebook_node(
            notebook, resources=FORMGRADE_RESOURCES
        )
    assert html.count("<span") <= safe_html.MAX_PAGE_HTML_TAGS + 500
    assert html.count("ansi-red") > 1000  # the first outputs keep their colours
    assert re.sub(r"<[^>]*>", "", html).count("xy") >= 8 * 4000  # every character shown
    assert "\x1b" not in html


def test_what_a_page_shows_does_not_depend_on_remembered_markdown(monkeypatch):
    """A Markdown cell remembered from an earlier page is not parsed again, but it is
    charged the same tags: the second render of a page is the same page."""
    fresh = safe_html.Remembered(safe_html._render_markdown_alone)
    monkeypatch.setattr(safe_html, "_remembered_markdown", fresh)
    cells = [new_markdown_cell(NESTED.format(i=i)) for i in range(20)]
    pages = [
        exporter(course_config(), "formgrade").from_notebook_node(
            new_notebook(cells=copy.deepcopy(cells)), resources=FORMGRADE_RESOURCES
        )[0]
        for _ in range(2)
    ]
    assert pages[0] == pages[1]
    assert pages[0].count("deep ") == safe_html.MAX_PAGE_HTML_TAGS // 3000


@pytest.mark.parametrize(
    "path",
    [SOURCE / "convolutions.ipynb", REPO / "autograded/complete/convolutions/convolutions.ipynb"],
    ids=["lesson", "graded"],
)
def test_the_lesson_is_far_within_a_pages_tag_budget(path, tmp_path, monkeypatch):
    """The lesson's page, as released and as graded (the grader's report in it), holds a
    few hundred tags: the same page as with no budget at all."""
    pages = []
    for budget in (safe_html.MAX_PAGE_HTML_TAGS, 10**9):
        monkeypatch.setattr(safe_html, "MAX_PAGE_HTML_TAGS", budget)
        html, resources = exporter(course_config(), "formgrade").from_notebook_node(
            read_notebook(path), resources=FORMGRADE_RESOURCES
        )
        feedback, _ = feedback_page(read_notebook(path), tmp_path)
        pages.append((html, feedback))
        keys = [safe_html.PAGE_TAGS_KEY, safe_html.MARKDOWN_TAGS_KEY, safe_html.GRADER_TAGS_KEY]
        spent = [resources.get(key, 0) for key in keys]
        assert 0 < sum(spent) and max(spent) < safe_html.MAX_PAGE_HTML_TAGS / 20
    assert pages[0] == pages[1]
    assert "[convgrade]" not in pages[0][0] + pages[0][1]


# ------------------------------------------------------------------------------ end to end

E2E_SCENARIOS = [
    "render_image_metadata_attributes",
    "render_written_answer_links",
    "render_html_svg_outputs",
]


@pytest.fixture(scope="module")
def graded_course(catalog_course):
    """Hostile submissions graded by real `nbgrader autograde`, with real feedback: the
    catalog class as the session graded it through that door."""
    return catalog_course("nbgrader")


@pytest.mark.e2e
@pytest.mark.parametrize("name", E2E_SCENARIOS)
def test_real_feedback_pages_carry_no_script(graded_course, name):
    """`nbgrader generate_feedback`: only the template's scripts; no handler, no bad URL."""
    page = (graded_course / "feedback" / name / "convolutions" / "convolutions.html").read_text()
    head, body = page[: page.find("<body")], page[page.find("<body") :]
    assert page_scripts(head) == []  # formulas are MathML: no MathJax, nothing from a CDN
    assert page_scripts(body) == []
    assert '<math display="block">' in body  # the lesson's formula
    assert active(body, classes=False, mathml=True) == set()
    assert "<blockquote>" in body


@pytest.mark.e2e
def test_real_autograded_notebook_keeps_only_allowed_outputs(graded_course):
    notebook = read_notebook(
        graded_course / "autograded" / E2E_SCENARIOS[0] / "convolutions" / "convolutions.ipynb"
    )
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert set(output.get("data", {})) <= {
                "text/plain",
                "text/html",
                "image/png",
                "image/jpeg",
                "image/gif",
            }
            for key, value in output.get("metadata", {}).items():
                assert key in {
                    "width",
                    "height",
                    "alt",
                    "unconfined",
                    "image/png",
                    "image/jpeg",
                    "image/gif",
                }
                if isinstance(value, dict):
                    assert set(value) <= {"width", "height", "alt", "unconfined"}


@pytest.mark.e2e
def test_written_answer_blockquote_and_links_in_real_feedback(graded_course):
    """The written answer: its quote is a <blockquote>, its script links are bare text."""
    page = (
        graded_course
        / "feedback"
        / "render_written_answer_links"
        / "convolutions"
        / "convolutions.html"
    ).read_text()
    assert "<blockquote>\n<p>A quoted line from the lesson" in page
    answer = page[page.find("A quoted line") : page.find("Look-ahead")]
    assert "<a " in answer and 'href="' not in answer.replace('href="#top"', "")
    assert active(answer, mathml=True) == set()
    # The student's own <math> markup is dropped (only latex2mathml's MathML reaches a page);
    # the \href formula sits in a raw HTML block, so it stays text, without its link.
    assert "<math" not in answer and "<mglyph" not in answer
    assert "click the formula" in answer


@pytest.mark.parametrize(
    "module",
    [
        "convgrade.feedback.safe_html",
        "convgrade.feedback.safeoutputs",
        "convgrade.feedback.formulas",
    ],
)
def test_docstring_examples(module):
    import doctest
    import importlib

    failed, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failed == 0


TEST_CELL = {"nbgrader": {"locked": True, "solution": False, "grade": True, "points": 2}}
DEMO_CELL = {"nbgrader": {"locked": True, "solution": False, "grade": False}}


@pytest.mark.parametrize("flood_in", ["answer cell", "locked demo cell", "markdown"])
def test_a_student_cannot_push_the_grader_reports_off_the_page(flood_in, parsed_tags):
    """Budgets follow where fragments come from, not whether a cell is locked. The grader's
    reports (a test cell's outputs, which autograding writes whole) have their own; a
    locked demo cell's outputs are the student's code's, so they are charged to the
    student; Markdown (the lesson's, which has no metadata, and the answers) has its own,
    which outputs, charged first, cannot fill (red team: a flood in `sliding_window` and
    in the answer's outputs pushed every report and the lesson's headings off)."""
    within = safe_html.MAX_PAGE_HTML_TAGS // 3000
    flood = [
        new_output("display_data", data={"text/html": NESTED.format(i=i)})
        for i in range(within + 2)
    ]
    report = new_output("display_data", data={"text/html": "<p>grader report <b>2/2</b></p>"})
    if flood_in == "markdown":
        flooding = [new_markdown_cell(NESTED.format(i=i)) for i in range(within + 2)]
    else:
        metadata = DEMO_CELL if flood_in == "locked demo cell" else {}
        flooding = [new_code_cell("show()", outputs=flood, metadata=copy.deepcopy(metadata))]
    notebook = new_notebook(
        cells=[
            *flooding,
            new_markdown_cell("## A *lesson* heading"),
            new_code_cell("check()", outputs=[report], metadata=copy.deepcopy(TEST_CELL)),
            new_markdown_cell("a student's *answer*"),
        ]
    )
    html, resources = exporter(course_config(), "formgrade").from_notebook_node(
        notebook, resources=FORMGRADE_RESOURCES
    )
    assert html.count("deep ") == within
    assert "grader report <b>2/2</b>" in html
    assert resources[safe_html.GRADER_TAGS_KEY] == 2  # <p> <b>
    assert "A <em>lesson</em> heading" in html and "a student's <em>answer</em>" in html
    lesson_and_answer = 5  # <h2> <em> <a>, <p> <em>
    if flood_in == "markdown":  # the student's own Markdown, then what still fits
        assert resources[safe_html.MARKDOWN_TAGS_KEY] == within * 3000 + lesson_and_answer
        assert resources.get(safe_html.PAGE_TAGS_KEY, 0) == 0
    else:
        assert resources[safe_html.PAGE_TAGS_KEY] == within * 3000
        assert resources[safe_html.MARKDOWN_TAGS_KEY] == lesson_and_answer


def test_only_a_test_cell_is_charged_to_the_grader():
    """A test cell is graded, locked and not an answer; every other cell, locked or not,
    and any malformed metadata, is the student's."""
    tags_key = safe_html.tags_key
    assert (
        tags_key(new_code_cell("", metadata=copy.deepcopy(TEST_CELL)))
        == "convgrade_grader_html_tags"
    )
    others = [
        DEMO_CELL,
        {"nbgrader": {"locked": True, "solution": True, "grade": True}},
        {"nbgrader": {"locked": False, "solution": False, "grade": True}},
        {"nbgrader": {"locked": "yes", "solution": False, "grade": 1}},
        {"nbgrader": None},
        {"nbgrader": ["locked"]},
        {},
    ]
    for metadata in others:
        assert (
            tags_key(new_code_cell("", metadata=copy.deepcopy(metadata))) == safe_html.PAGE_TAGS_KEY
        )
