"""Correct answers; an added cell claims a grade_id of terminal escapes: clear line, cursor up, \r."""
# attack: render
# expect: full-marks
# tamper: set-metadata last nbgrader {"grade_id": "\u001b[2K\u001b[1A\u001b[31mESCAPED-ANSI\r\u001b[8m", "grade": true, "solution": false, "locked": false, "points": 5, "schema_version": 3}
# %% new-cell
print("an extra cell of my own")
