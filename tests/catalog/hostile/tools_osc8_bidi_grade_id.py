"""Correct answers; a test cell's grade_id becomes an OSC 8 link with bidi overrides and \r."""
# attack: render
# expect: full-marks
# tamper: edit-metadata check_convolve_dtype grade_id "\u001b]8;;https://example.invalid/\u0007ESCAPED-OSC\u001b]8;;\u0007\u202eevil\u2066\r\u0085\u009b2J"
