"""Hands in, next to correct answers, files a browser would run as pages: a web page, an
SVG, XHTML and XML with script, in upper case and in a subfolder, and a written answer
that links to them. The formgrader serves a submission's autograded folder from the TA's
own Jupyter site, so one click on such a link would run the student's script with the
TA's session. They must be left out, each named; the notes and data files stay."""
# attack: files
# expect: full-marks
# blocked: notes\.html: a file of type text/html, which a browser would run as a page
# blocked: images/figure\.svg: a file of type image/svg\+xml
# blocked: REPORT\.XHTML: a file of type application/xhtml\+xml
# blocked: data/feed\.xml: a file of type application/xml
# folder: file notes.html <script>fetch('/formgrader/api/students').then(r=>r.text()).then(t=>{document.title='owned'})</script>
# folder: file images/figure.svg <svg xmlns="http://www.w3.org/2000/svg" onload="document.title='owned'"><text y="20">fig</text></svg>
# folder: file REPORT.XHTML <html xmlns="http://www.w3.org/1999/xhtml"><script>document.title='owned'</script></html>
# folder: file data/feed.xml <x:script xmlns:x="http://www.w3.org/1999/xhtml">document.title='owned'</x:script>
# folder: file notes.txt plain notes, kept
# folder: file data/values.csv 1,2,3
# %% edge_explanation after-answer
See [my notes](notes.html), [the figure](images/figure.svg) and [the report](REPORT.XHTML).
