"""Reduce a notebook to what may be shown in a page: allow-listed outputs, metadata and HTML."""

import base64
import binascii
import functools
import html
import re

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, Integer

from convgrade.feedback.safe_html import (
    MAX_HTML_CHARS,
    MAX_IMAGE_CHARS,
    MAX_TEXT_CHARS,
    charge_page_tags,
    clean_fragment,
    render_markdown,
    start_page_bidi_markers,
    tags_key,
    visible_bidi_text,
)
from convgrade.outputs import new_output
from convgrade.plain_text import plain

OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")
STREAM_NAMES = ("stdout", "stderr")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
# A GIF is shown only if its bytes start like one: other data labelled GIF is not passed on.
GIF_SIGNATURES = (b"GIF87a", b"GIF89a")
# Shown in pages; everything else (SVG, JavaScript, widgets, LaTeX, PDF, unknown) is dropped.
MIME_TYPES = ("text/plain", "text/html", "text/markdown", *IMAGE_TYPES)
IMAGE_METADATA = ("width", "height", "alt", "unconfined")
MAX_DIMENSION = 100_000
MAX_ALT_CHARS = 500
NOTEBOOK_METADATA = ("kernelspec", "language_info", "nbgrader", "convgrade")
KERNELSPEC = ("name", "display_name")  # required by nbformat when there is a kernelspec
LANGUAGE_INFO = (
    "name",
    "version",
    "mimetype",
    "file_extension",
    "pygments_lexer",
    "nbconvert_exporter",
)
SIMPLE_NAME = re.compile(r"[A-Za-z0-9_.+\-/ ]{0,64}")
# Pages print each tag into the cell's class attribute (nbconvert's celltags, as
# "celltag_<tag>"), so a tag is one class-name word: a space would add a class of the
# student's choosing (Bootstrap's "hidden" on an answer, a full-page "modal-backdrop").
TAG = re.compile(r"[A-Za-z0-9_\-]{1,64}")
CELL_FLAGS = ("deletable", "editable", "collapsed")
CELL_METADATA = ("nbgrader", "convgrade", *CELL_FLAGS, "scrolled", "tags", "jupyter")
ATTACHMENT_TYPES = IMAGE_TYPES
# nbconvert's page templates (the formgrader's and feedback's too) clean every raw cell
# again with bleach, pure Python and some 20 times nh3's time (3,999 nested divs: 0.7 s
# against 0.03 s), so a raw cell's start tags count this many times against the page's
# budget: raw cells hold at most 2,000 tags a page, about 0.2 s of bleach.
RAW_CELL_TAG_WEIGHT = 20
# An escape sequence as nbconvert's ansi2html reads it (nbconvert.filters.ansi): each one
# that changes the colour opens a <span>. A page charges them as start tags, and text past
# its budget loses them (red team: 256 KiB of colour changes, 2.8 s a formgrader view).
ANSI_SEQUENCE = re.compile("\x1b\\[(.*?)([@-~])")


def _text(value):
    """A string from nbformat's str-or-list-of-str, or '' for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return ""


def _cut(text, limit):
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[convgrade: output cut at {limit // 1024} KiB of {len(text) // 1024}]"


def strict_base64(value, limit=MAX_IMAGE_CHARS):
    """`value` without line breaks if it is strict base64 of at most `limit` characters.

    Returns None otherwise: a picture's data is written inside ``src="..."``, so anything
    but the base64 alphabet could end the attribute.

    Examples
    --------
    >>> strict_base64("iVBO\\nRw0K")
    'iVBORw0K'
    >>> strict_base64('AAAA" onerror="alert(1)') is None
    True
    """
    text = _text(value)
    if len(text) > limit + limit // 64 + 16:
        return None
    text = text.replace("\n", "").replace("\r", "")
    if not text or len(text) > limit:
        return None
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return text


def picture_base64(mime, value, limit=MAX_IMAGE_CHARS):
    """`value` as strict base64 (see `strict_base64`), and for a GIF only with a GIF header.

    Examples
    --------
    >>> picture_base64("image/gif", "R0lGODlhAQABAAAAACw=")
    'R0lGODlhAQABAAAAACw='
    >>> picture_base64("image/gif", "iVBORw0KGgo=") is None  # PNG bytes labelled GIF
    True
    """
    encoded = strict_base64(value, limit)
    if encoded is None or mime != "image/gif":
        return encoded
    head = base64.b64decode(encoded[:8])
    return encoded if head.startswith(GIF_SIGNATURES) else None


def positive_int(value):
    """`value` as a positive int if it is one (or a string of digits), else None.

    Examples
    --------
    >>> positive_int("640"), positive_int(480), positive_int("1 onerror=alert(1)")
    (640, 480, None)
    >>> positive_int(True), positive_int(0), positive_int(-3), positive_int(2.5)
    (None, None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and 0 < value <= MAX_DIMENSION:
        return value
    return None


def _note(text):
    return new_output("stream", name="stdout", text=f"[convgrade: {text}]\n")


class SafeOutputs(Preprocessor):
    """Keep only outputs, metadata and HTML that a page can show without running script.

    Before any HTML is made from a notebook:

    - outputs: only streams (stdout, stderr), errors and display data or results of the
      types text/plain, text/html and text/markdown (both cleaned with nh3 after
      rendering), image/png, image/jpeg and image/gif (strict base64; a GIF must start
      with a GIF header). Other types are dropped, with a note when nothing else of the
      output is left. nbconvert's page templates cannot draw a GIF, so in a page (an
      HTML export) an output's GIF is also given as cleaned HTML, an ``<img>`` of it;
      a notebook keeps the GIF alone, which JupyterLab plays itself;
    - output metadata: only ``width`` and ``height`` (positive integers), ``alt`` (text)
      and ``unconfined`` (true), so nothing reaches an unquoted attribute;
    - cell metadata, markdown attachments and notebook metadata: allow-lists;
    - every text, HTML fragment and picture is bounded in size before it is cleaned, and
      the notebook's HTML fragments (outputs and raw cells, these RAW_CELL_TAG_WEIGHT times)
      are charged against the page's budget of start tags (safe_html.MAX_PAGE_HTML_TAGS;
      the grader's reports in test cells have their own, see safe_html.tags_key): past
      it, a fragment is a short note, not parsed;
    - in a page, the Unicode bidirectional controls in text outputs (streams, text/plain,
      errors) are shown as their code points, ``<U+202E>``; in HTML, nh3's pass does it.

    Output types and stream names are kept, so nbgrader's scoring reads the same notebook.
    It runs in ``Autograde.autograde_preprocessors`` (both grading paths) and again in
    ``HTMLExporter.preprocessors``, so a notebook graded before it existed is shown safely.
    """

    enabled = Bool(True, help="Whether to apply the allow-list (always, in this course).").tag(
        config=True
    )
    max_html_chars = Integer(
        MAX_HTML_CHARS, help="Characters of HTML or markdown in one output shown, at most."
    ).tag(config=True)
    max_image_chars = Integer(
        MAX_IMAGE_CHARS, help="Characters of base64 in one picture shown, at most."
    ).tag(config=True)
    max_text_chars = Integer(
        MAX_TEXT_CHARS, help="Characters of plain text in one output kept; the rest is cut."
    ).tag(config=True)

    _for_page = False  # set per call: whether the notebook is being made into a page
    _charge = None  # set per call: charges an HTML fragment's start tags to its page

    def preprocess(self, nb, resources):
        self._for_page = (resources or {}).get("output_extension") == ".html"
        start_page_bidi_markers(self._for_page)  # every page's exporter runs this first
        nb.metadata = NotebookNode(_notebook_metadata(nb.get("metadata")))
        for cell in nb.cells:
            cell.metadata = NotebookNode(_cell_metadata(cell.get("metadata")))
            self._charge = functools.partial(charge_page_tags, resources, key=tags_key(cell))
            if cell.cell_type == "code":
                if not _count_ok(cell.get("execution_count")):
                    cell.execution_count = None
                outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
                cell.outputs = [kept for o in outputs for kept in self._output(o)]
            elif cell.cell_type == "markdown":
                if "attachments" in cell:
                    cell.attachments = NotebookNode(_attachments(cell.attachments))
            elif cell.cell_type == "raw":
                cell.source = clean_fragment(
                    _text(cell.source), self.max_html_chars, "Raw cell", self._charge_raw
                )
        return nb, resources

    def _output(self, output):
        """The safe form of one output, as a list of zero or more outputs."""
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind not in OUTPUT_TYPES:
            return [_note(f"an output of type {plain(kind, 40)} is not shown")]
        if kind == "stream":
            name = output.get("name")
            if name not in STREAM_NAMES:
                return [_note(f"a stream named {plain(name, 40)} is not shown")]
            text = self._shown(_cut(_text(output.get("text")), self.max_text_chars))
            return [new_output("stream", name=name, text=text)]
        if kind == "error":
            traceback = output.get("traceback")
            traceback = traceback if isinstance(traceback, list) else []
            lines = [line for line in traceback if isinstance(line, str)]
            return [
                new_output(
                    "error",
                    ename=self._shown(_cut(_text(output.get("ename")), self.max_text_chars)),
                    evalue=self._shown(_cut(_text(output.get("evalue")), self.max_text_chars)),
                    traceback=[
                        self._shown(_cut(line, self.max_text_chars)) for line in lines[:1000]
                    ],
                )
            ]
        data, dropped = self._data(output.get("data"))
        if not data:
            shown = ", ".join(plain(m, 60) for m in dropped[:5]) or "no data"
            data = {"text/plain": f"[convgrade: output not shown ({shown})]"}
        metadata = _output_metadata(output.get("metadata"), data)
        if self._for_page and "image/gif" in data and "text/html" not in data:
            data["text/html"] = self._gif_html(data["image/gif"], metadata)
        if kind == "execute_result":
            count = output.get("execution_count")
            return [
                new_output(
                    kind,
                    data=data,
                    metadata=metadata,
                    execution_count=count if _count_ok(count) else None,
                )
            ]
        return [new_output(kind, data=data, metadata=metadata)]

    def _charge_raw(self, tags):
        return self._charge(tags * RAW_CELL_TAG_WEIGHT)

    def _shown(self, text):
        """Text as a page shows it: bidirectional controls as their code points, and colour
        codes only while the page's budget holds their spans (past it the text is shown
        plain). A notebook (autograding) keeps the text as printed."""
        if not self._for_page:
            return text
        codes = sum(1 for _ in ANSI_SEQUENCE.finditer(text))
        if codes and not self._charge(codes):
            text = ANSI_SEQUENCE.sub("", text)
        return visible_bidi_text(text)

    def _gif_html(self, encoded, metadata):
        """An <img> of a checked GIF, cleaned like any HTML output (it plays without script)."""
        alt = metadata.get("image/gif", {}).get("alt", metadata.get("alt", ""))
        tag = f'<img alt="{html.escape(alt)}" src="data:image/gif;base64,{encoded}">'
        return clean_fragment(tag, self.max_html_chars, "GIF", self._charge)

    def _data(self, bundle):
        """The allow-listed part of a mime bundle, cleaned; and the types left out."""
        if not isinstance(bundle, dict):
            return {}, []
        data, dropped = {}, [m for m in bundle if m not in MIME_TYPES]
        if "text/plain" in bundle:
            data["text/plain"] = self._shown(_cut(_text(bundle["text/plain"]), self.max_text_chars))
        for mime in IMAGE_TYPES:
            if mime in bundle:
                encoded = picture_base64(mime, bundle[mime], self.max_image_chars)
                if encoded is None:
                    dropped.append(f"{mime} that is not base64 of that type, or too large")
                else:
                    data[mime] = encoded
        if "text/html" in bundle:
            data["text/html"] = clean_fragment(
                _text(bundle["text/html"]), self.max_html_chars, charge=self._charge
            )
        elif "text/markdown" in bundle:  # rendered here, so no page renders it unchecked
            markdown = _text(bundle["text/markdown"])
            data["text/html"] = render_markdown(markdown, charge=self._charge)
        return data, dropped


def _count_ok(count):
    return count is None or (isinstance(count, int) and not isinstance(count, bool) and count >= 0)


def _output_metadata(metadata, data):
    """Only image metadata, typed: {width, height, alt, unconfined} at top level and per image."""
    if not isinstance(metadata, dict):
        return {}
    kept = _image_metadata(metadata)
    for mime in IMAGE_TYPES:
        if mime in data and isinstance(metadata.get(mime), dict):
            per_type = _image_metadata(metadata[mime])
            if per_type:
                kept[mime] = per_type
    return kept


def _image_metadata(metadata):
    kept = {}
    for key in ("width", "height"):
        if key in metadata and (value := positive_int(metadata[key])) is not None:
            kept[key] = value
    if isinstance(metadata.get("alt"), str):
        kept["alt"] = plain(metadata["alt"], MAX_ALT_CHARS)
    if metadata.get("unconfined") is True:
        kept["unconfined"] = True
    return kept


def _notebook_metadata(metadata):
    if not isinstance(metadata, dict):
        return {}
    kept = {k: metadata[k] for k in ("nbgrader", "convgrade") if isinstance(metadata.get(k), dict)}
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and all(isinstance(spec.get(k), str) for k in KERNELSPEC):
        kept["kernelspec"] = {
            k: plain(spec[k], 100)
            for k in (*KERNELSPEC, "language")
            if isinstance(spec.get(k), str)
        }
    info = metadata.get("language_info")
    if isinstance(info, dict):
        kept["language_info"] = {
            k: info[k]
            for k in LANGUAGE_INFO
            if isinstance(info.get(k), str) and SIMPLE_NAME.fullmatch(info[k])
        }
        mode = info.get("codemirror_mode")
        if isinstance(mode, str) and SIMPLE_NAME.fullmatch(mode):
            kept["language_info"]["codemirror_mode"] = mode
        elif isinstance(mode, dict) and isinstance(mode.get("name"), str):
            if SIMPLE_NAME.fullmatch(mode["name"]):
                version = mode.get("version")
                kept["language_info"]["codemirror_mode"] = {"name": mode["name"]} | (
                    {"version": version} if positive_int(version) else {}
                )
    return kept


def _cell_metadata(metadata):
    if not isinstance(metadata, dict):
        return {}
    kept = {k: metadata[k] for k in ("nbgrader", "convgrade") if isinstance(metadata.get(k), dict)}
    kept |= {k: metadata[k] for k in CELL_FLAGS if isinstance(metadata.get(k), bool)}
    if isinstance(metadata.get("scrolled"), bool) or metadata.get("scrolled") == "auto":
        kept["scrolled"] = metadata["scrolled"]
    tags = metadata.get("tags")
    if isinstance(tags, list):
        words = [tag for tag in tags if isinstance(tag, str) and TAG.fullmatch(tag)]
        if words:
            kept["tags"] = list(dict.fromkeys(words))[:50]
    jupyter = metadata.get("jupyter")
    if isinstance(jupyter, dict):
        flags = {k: v for k, v in jupyter.items() if k in ("source_hidden", "outputs_hidden")}
        if flags and all(isinstance(v, bool) for v in flags.values()):
            kept["jupyter"] = flags
    return kept


def _simple_name(value):
    return isinstance(value, str) and SIMPLE_NAME.fullmatch(value) is not None


def _attachments(attachments):
    """Markdown attachments: pictures only, strict base64."""
    kept = {}
    if not isinstance(attachments, dict):
        return kept
    for name, bundle in attachments.items():
        if not isinstance(bundle, dict) or not SIMPLE_NAME.fullmatch(str(name)):
            continue
        for mime in ATTACHMENT_TYPES:
            if mime in bundle and (encoded := picture_base64(mime, bundle[mime])) is not None:
                kept[name] = {mime: encoded}
                break
    return kept
