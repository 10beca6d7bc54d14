"""Puts script tags in its written answer, in an HTML output, in printed text and in an
exception's name and message, aiming at the TA's browser."""
# attack: render
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# %% edge_explanation
<script>fetch("/api/contents").then(r => r.text()).then(alert)</script>
<img src=x onerror="alert('xss')">
# %% convolve
from IPython.display import HTML, display

display(HTML("<script>document.title = 'owned'</script><b onmouseover=alert(1)>hi</b>"))
print("<script>document.title = 'owned'</script><img src=x onerror=alert(1)>")
Markup = type("<img src=x onerror=alert(1)>", (Exception,), {})
raise Markup("<script>document.title = 'owned'</script>")
