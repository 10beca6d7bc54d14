"""Puts script tags in its written answer and in an HTML output, aiming at the TA's browser."""
# base: release
# expect: zero
# %% edge_explanation
<script>fetch("/api/contents").then(r => r.text()).then(alert)</script>
<img src=x onerror="alert('xss')">
# %% convolve
from IPython.display import HTML, display

display(HTML("<script>document.title = 'owned'</script><b onmouseover=alert(1)>hi</b>"))
