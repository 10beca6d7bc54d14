"""Cheaper start-up for grading processes: skip work nbgrader never uses."""

import sys


def skip_optional_grammar():
    """Make `rfc3987_syntax` unimportable before jsonschema looks for it.

    jsonschema imports this optional package to check the "iri" string formats, and it
    compiles a grammar at import: about a second here, in every process. Notebook schemas
    use no such format, and jsonschema treats the ImportError as "format not checked"
    (tests/test_startup.py shows validation is unchanged). Call before importing nbgrader.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None
