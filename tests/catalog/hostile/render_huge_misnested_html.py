"""Correct answers, plus a 750 KiB HTML output of misnested tags and a 300 KiB markdown one:
the kind of input that made the old sanitiser spend minutes; each is shown as a note."""
# attack: render
# expect: full-marks
# %% new-cell
from IPython.display import HTML, display

display(HTML("<b><i><u><a><p><table><td><div>" * 25_000))
# %% new-cell
from IPython.display import Markdown, display

display(Markdown("*a **b _c<b>" * 25_000))
