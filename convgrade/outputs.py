"""Notebook outputs the grader makes itself, without nbformat checking each one as it is made.

nbformat.v4.new_output checks every output against the notebook schema (jsonschema, about
0.7 ms each), and grading one submission makes about ninety: SafeOutputs rebuilds each
output while grading and again for the feedback page, and the hidden checks write two per
test cell. The exporters that run these preprocessors check the whole notebook after the
last one (Exporter.optimistic_validation), so an output that breaks the schema still stops
the notebook there; it is only not checked twice.
"""

from nbformat import from_dict

# nbformat.v4.new_output's defaults for each output type.
DEFAULTS = {
    "stream": {"name": "stdout", "text": ""},
    "display_data": {"metadata": {}, "data": {}},
    "execute_result": {"metadata": {}, "data": {}, "execution_count": None},
    "error": {"ename": "NotImplementedError", "evalue": "", "traceback": []},
}


def new_output(output_type, data=None, **fields):
    """The output nbformat.v4.new_output makes from the same arguments, unchecked.

    Examples
    --------
    >>> new_output("stream", text="hi\\n")
    {'output_type': 'stream', 'name': 'stdout', 'text': 'hi\\n'}
    """
    output = from_dict({"output_type": output_type, **DEFAULTS.get(output_type, {}), **fields})
    if data is not None:
        output.data = from_dict(data)
    return output
