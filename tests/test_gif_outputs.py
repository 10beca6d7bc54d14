"""Animated GIFs in outputs: does the lesson's animation reach pages, and nothing posing as one?

SafeOutputs keeps an image/gif output only if it is strict base64, within the picture size
cap and starts with a GIF header. In a page (an HTML export) the GIF is also given as a
cleaned <img>, because nbconvert's templates draw no GIF; a notebook keeps the GIF alone.
"""

import base64
import importlib.util
import io
import re

import numpy as np
import pytest
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image
from support import REPO, SOURCE
from traitlets.config.loader import PyFileConfigLoader

from convgrade.feedback.safeoutputs import SafeOutputs, picture_base64

PAGE = {"output_extension": ".html"}  # what nbconvert's HTMLExporter passes preprocessors
NOTEBOOK = {"output_extension": ".ipynb"}
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9a"
    "wAAAABJRU5ErkJggg=="
)


def gif_bytes(frames=2, side=8):
    """A small animated GIF whose frames differ."""
    pictures = [Image.new("L", (side, side), color=40 * i) for i in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], loop=0)
    return buffer.getvalue()


def encoded(data):
    return base64.b64encode(data).decode()


def gif_output(data, metadata=None):
    bundle = {"image/gif": data, "text/plain": "<IPython.core.display.Image object>"}
    return new_output("display_data", data=bundle, metadata=metadata or {})


def kept_output(output, resources, **traits):
    notebook = new_notebook(cells=[new_code_cell("x", outputs=[output])])
    return SafeOutputs(**traits).preprocess(notebook, resources)[0].cells[0].outputs[0]


def test_a_real_gif_is_kept_in_a_notebook_without_html():
    """In a notebook the GIF stays as it is, for JupyterLab to play."""
    data = encoded(gif_bytes())
    kept = kept_output(gif_output(data), NOTEBOOK)
    assert kept.data["image/gif"] == data
    assert "text/html" not in kept.data


def test_a_real_gif_becomes_a_clean_img_in_a_page():
    """In a page the GIF is also an <img> of itself, with an escaped alt and nothing else."""
    data = encoded(gif_bytes())
    alt = '" onerror="alert(1)'
    kept = kept_output(gif_output(data, {"image/gif": {"alt": alt}}), PAGE)
    tags = re.findall(r"<img\b[^>]*>", kept.data["text/html"])
    assert len(tags) == 1 and f'src="data:image/gif;base64,{data}"' in tags[0]
    assert set(re.findall(r'\s([a-z-]+)="', tags[0])) == {"alt", "src"}


@pytest.mark.parametrize(
    "data",
    [
        encoded(PNG_BYTES),  # a PNG labelled GIF
        encoded(b"<script>alert(1)</script>" + gif_bytes()),  # a GIF, but not at the start
        encoded(b"GIF8"),  # too short to be a header
        "GIF89a" + "A" * 16,  # base64 text that does not decode to a header
        encoded(gif_bytes()) + '" onerror="alert(1)',  # not strict base64
        "",
    ],
)
def test_anything_but_a_gif_labelled_gif_is_dropped_with_a_note(data):
    for resources in (NOTEBOOK, PAGE):
        kept = kept_output(gif_output(data), resources)
        assert "image/gif" not in kept.data and "text/html" not in kept.data
    only_gif = new_output("display_data", data={"image/gif": data})
    assert "image/gif" in kept_output(only_gif, PAGE).data["text/plain"]


def test_an_oversize_gif_is_dropped():
    """The picture cap holds for GIFs: one byte of base64 over it and the GIF is gone."""
    data = encoded(gif_bytes(frames=6, side=64))
    assert len(data) > 1000
    assert kept_output(gif_output(data), PAGE, max_image_chars=len(data)).data["image/gif"] == data
    kept = kept_output(gif_output(data), PAGE, max_image_chars=len(data) - 1)
    assert "image/gif" not in kept.data and "text/html" not in kept.data
    huge = encoded(b"GIF89a" + bytes(9 * 2**20))  # over the default cap of 8 MiB of base64
    assert picture_base64("image/gif", huge) is None


def test_markdown_attachments_keep_only_real_gifs():
    real, fake = encoded(gif_bytes()), encoded(PNG_BYTES)
    cell = new_markdown_cell("![a](attachment:a.gif) ![b](attachment:b.gif)")
    cell.attachments = {"a.gif": {"image/gif": real}, "b.gif": {"image/gif": fake}}
    notebook = SafeOutputs().preprocess(new_notebook(cells=[cell]), NOTEBOOK)[0]
    assert notebook.cells[0].attachments == {"a.gif": {"image/gif": real}}


def load_figures():
    spec = importlib.util.spec_from_file_location("lesson_figures", SOURCE / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lesson_animation_is_a_small_animated_gif_that_reaches_the_page(monkeypatch):
    """The student's convolve, animated: more than one frame, under 300 KiB, and the
    course's own HTML export (SafeOutputs in it) shows it as a data:image/gif <img>."""
    import matplotlib

    matplotlib.use("Agg")
    figures = load_figures()
    shown = []
    monkeypatch.setattr(figures, "display", shown.append)
    image = np.arange(25).reshape(5, 5) % 7
    kernel = np.array([[1, 0, -1]] * 3)

    def convolve(image, kernel):
        windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
        return np.einsum("ijkl,kl->ij", windows, kernel).astype(float)

    figures.animate_sliding_window(convolve, image, kernel)
    (picture,) = shown
    data, metadata = picture._repr_mimebundle_()
    gif = base64.b64decode(data["image/gif"])
    assert len(gif) < 300 * 1024
    assert Image.open(io.BytesIO(gif)).n_frames == 9  # one per output position

    output = new_output("display_data", data=data, metadata=metadata)
    notebook = new_notebook(cells=[new_code_cell("animate", outputs=[output])])
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    page, _ = HTMLExporter(config=config, template_name="lab").from_notebook_node(notebook)
    assert f'src="data:image/gif;base64,{data["image/gif"]}"' in page
