"""The grader's unchecked outputs are exactly nbformat's, and a broken one is still caught."""

import doctest

import nbformat
import pytest
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_code_cell, new_notebook

from convgrade import outputs

SAMPLES = [
    ("stream", None, {}),
    ("stream", None, {"name": "stderr", "text": "careful\n"}),
    ("display_data", {"text/plain": "x", "image/png": "iVBORw0KGgo="}, {}),
    ("display_data", {"text/html": "<b>3</b>"}, {"metadata": {"image/png": {"width": 4}}}),
    ("execute_result", {"text/plain": "0.5"}, {"execution_count": None}),
    ("execute_result", {"text/plain": "1"}, {"execution_count": 7, "metadata": {}}),
    ("error", None, {}),
    ("error", None, {"ename": "GradingStopped", "evalue": "slow", "traceback": ["a", "b"]}),
]


@pytest.mark.parametrize("output_type, data, fields", SAMPLES)
def test_outputs_are_nbformats_own(output_type, data, fields):
    ours = outputs.new_output(output_type, data=data, **fields)
    theirs = nbformat.v4.new_output(output_type, data=data, **fields)
    assert ours == theirs
    written = [
        nbformat.writes(new_notebook(cells=[new_code_cell(id="cell", outputs=[output])]))
        for output in (ours, theirs)
    ]
    assert written[0] == written[1]


def test_docstring_examples():
    failed, tried = doctest.testmod(outputs)
    assert tried > 0 and failed == 0


class _AddsBrokenOutput(Preprocessor):
    def preprocess(self, nb, resources):
        nb.cells[0].outputs.append(outputs.new_output("stream", name=["not", "a", "name"]))
        return nb, resources


def test_a_broken_output_still_stops_an_exporter_that_validates_once():
    exporter = NotebookExporter()
    exporter.register_preprocessor(_AddsBrokenOutput(), enabled=True)
    exporter.optimistic_validation = True
    with pytest.raises(nbformat.ValidationError):
        exporter.from_notebook_node(new_notebook(cells=[new_code_cell("1")]))
