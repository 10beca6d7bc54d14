"""Puts script tags in its written answer, in an HTML output, in printed text and in an
exception's name and message, aiming at the TA's browser."""
# base: release
# expect: zero
# %% edge_explanation
<script>fetch("/api/contents").then(r => r.text()).then(alert)</script>
<img src=x onerror="alert('xss')">
# %% convolve
from IPython.display import HTML, display

display(HTML("<script>document.title = 'owned'</script><b onmouseover=alert(1)>hi</b>"))
print("<script>document.title = 'owned'</script><img src=x onerror=alert(1)>")
Markup = type("<img src=x onerror=alert(1)>", (Exception,), {})
raise Markup("<script>document.title = 'owned'</script>")
