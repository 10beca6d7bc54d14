"""nbgrader's CheckCellMetadata, with its cell-metadata schema compiled once per process.

nbgrader checks each graded cell's metadata with `jsonschema.validate(metadata, schema)`,
which first validates the schema itself against the JSON Schema metaschema, on every call:
about 2 ms a cell, 0.05 s a notebook, and autograde checks each submission twice (after
sanitizing and after grading). Here the schema is checked once and its compiled validator
reused, raising what `jsonschema.validate` raises (the best-matching ValidationError).
Every other check (schema versions, grade ids, points, cell types, duplicate ids) is
nbgrader's own code.
"""

import traceback

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from nbgrader.nbgraderformat import ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata

_compiled = {}  # schema version -> the validator compiled from nbgrader's schema file


class _CompiledSchemaCheck(BaseMetadataValidator):
    """The base class's per-cell schema check, with the compiled validator."""

    def validate_cell(self, cell):
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)  # nbgrader's own answer and error
        if self.schema_version not in _compiled:
            cls = validator_for(self.schema)
            cls.check_schema(self.schema)
            _compiled[self.schema_version] = cls(self.schema)
        error = best_match(_compiled[self.schema_version].iter_errors(meta))
        if error is not None:
            raise error
        return None


class CompiledSchemaValidator(MetadataValidatorV3, _CompiledSchemaCheck):
    """nbgrader's MetadataValidator. Its validate_cell calls the next class's for the schema
    check, which the method resolution order makes _CompiledSchemaCheck's."""


class FastCheckCellMetadata(CheckCellMetadata):
    """CheckCellMetadata as nbgrader writes it, with CompiledSchemaValidator."""

    def preprocess(self, nb, resources):
        try:
            CompiledSchemaValidator().validate_nb(nb)
        except ValidationError as error:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from error
        return nb, resources
