"""Correct answers; grader records of the wrong types everywhere, and a grade_id that is a list."""
# attack: render
# expect: full-marks
# tamper: set-metadata notebook convgrade "FORGED-NOT-A-DICT"
# tamper: set-metadata markdown convgrade {"checks": 5}
# tamper: set-metadata check_convolve_dtype convgrade {"checks": [{"name": ["FORGED-LIST-NAME"], "passed": 1, "misconception": 7}]}
# tamper: set-metadata last convgrade {"checks": [["FORGED"], null, 3, {"passed": true}], "repairs": {"FORGED-MAP": 1}}
# tamper: set-metadata last nbgrader {"grade_id": ["LISTED-ID"], "grade": true, "solution": false}
# %% new-cell
print("an extra cell of my own")
