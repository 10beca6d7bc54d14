"""Correct answers; forged records whose names are broken mathtext and very long labels."""
# attack: render
# expect: full-marks
# tamper: set-metadata check_convolve_shape convgrade {"checks": [{"name": "$\\undefinedcommand{FORGED-MATH$", "passed": false, "misconception": "$\\frac{FORGED$", "message": ""}]}
# tamper: set-metadata notebook convgrade {"repairs": ["$\\undefinedcommand FORGED-MATH-nb$ \u001b[2J"]}
# tamper: set-metadata markdown convgrade {"checks": [{"name": "FORGED-LONG-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "passed": false}]}
