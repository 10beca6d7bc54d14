"""Correct answers, plus outputs of every active kind: HTML with handlers, iframes, forms and
mutation-XSS nesting; SVG with script; JavaScript; a widget view; markdown with script links;
LaTeX with a link; an unknown mime type; a stream with an unknown name."""
# attack: render
# expect: full-marks
# %% new-cell
from IPython.display import HTML, SVG, Javascript, Markdown, display, publish_display_data

JS = "document.title='owned';window.__owned=1"
display(HTML(
    f"<svg onload=\"{JS}\"><script>{JS}</script></svg>"
    f"<img src=x onerror=\"{JS}\"><iframe src=\"javascript:{JS}\"></iframe>"
    f"<form action=/formgrader/api/grade><input name=score value=2><button>go</button></form>"
    f"<a href=\"jav&#x61;script:{JS}\">encoded</a><a href=\"data:text/html,<script>{JS}</script>\">d</a>"
    f"<b onmouseover=\"{JS}\"><i>misnested</b></i><p><table><td><a href=\"vbscript:x\">v</p>"
    f"<noscript><p title=\"</noscript><img src=x onerror={JS}>\"></noscript>"
    f"<div class=\"full-credit score tabbable\" id=\"edge_explanation\" "
    f"style=\"position:fixed;inset:0;background:url(javascript:x)\">cover</div>"
    f"<style>*{{display:none}}</style><link rel=stylesheet href=//evil.example/x.css>"
))
display(SVG(f"<svg xmlns='http://www.w3.org/2000/svg' onload=\"{JS}\"><script>{JS}</script></svg>"))
display(Javascript(JS))
display(Markdown(f"[md](javascript:{JS}) <img src=x onerror=\"{JS}\">"))
publish_display_data({
    "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2},
    "text/latex": "$\\href{javascript:" + JS + "}{x}$",
    "text/x-unknown": f"<script>{JS}</script>",
})
publish_display_data({"text/html": f"<script>{JS}</script>", "text/plain": f"<script>{JS}</script>"})
print(f"<script>{JS}</script>")
