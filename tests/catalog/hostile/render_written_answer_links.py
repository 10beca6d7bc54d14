"""Correct code; the written answer hides script in markdown and raw HTML: javascript:,
vbscript: and data:text/html links and images (plain, entity-encoded, with tabs, in angle
brackets, by reference), event handlers, iframe, form, svg, math, meta refresh, base, style."""
# attack: render
# expect: full-marks
# %% edge_explanation
> A quoted line from the lesson, which must stay a quote.

An edge kernel sums to zero, so flat regions vanish and only changes of brightness remain.

[plain](javascript:document.title='owned') [entity](jav&#x61;script:document.title='owned')
[tab](java	script:document.title='owned') [upper](JAVASCRIPT:document.title='owned')
[angle](<javascript:document.title='owned'>) [vb](vbscript:msgbox("owned"))
[data](data:text/html;base64,PHNjcmlwdD5kb2N1bWVudC50aXRsZT0nb3duZWQnPC9zY3JpcHQ+)
[svgdata](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)
[ref][evil] ![pic](javascript:document.title='owned') ![alt" onerror="document.title='owned'](x.png)

[evil]: javascript:document.title='owned'

<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;document.title='owned'">encoded</a>
<a href=" &#x0A;javascript:document.title='owned'">newline</a>
<img src=x onerror="document.title='owned';window.__owned=1">
<svg onload="document.title='owned'"><circle r="5"/></svg>
<iframe src="javascript:parent.document.title='owned'"></iframe>
<iframe srcdoc="<script>parent.document.title='owned'</script>"></iframe>
<form action="/formgrader/api/grade" method="post"><button formaction="javascript:document.title='owned'">save</button></form>
<details open ontoggle="document.title='owned'"><summary>more</summary>text</details>
<math><mtext><table><mglyph><style><img src=x onerror="document.title='owned'"></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=document.title='owned'>"></noscript>
<meta http-equiv="refresh" content="0;url=javascript:document.title='owned'">
<base href="javascript:document.title='owned'//">
<style>body { background: url("javascript:document.title='owned'") }</style>
<div style="position:fixed;top:0;left:0;width:100%;height:100%;background-image:url(javascript:x)">cover</div>
<object data="javascript:document.title='owned'"></object><embed src="javascript:document.title='owned'">
$\href{javascript:document.title='owned'}{click the formula}$
