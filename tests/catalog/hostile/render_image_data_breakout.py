"""Correct answers, plus pictures whose base64 data is not base64: a quote in it would end
the src attribute of the img tag and start an event handler."""
# attack: render
# expect: full-marks
# %% new-cell
from IPython.display import publish_display_data

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
JS = "document.title='owned';window.__owned=1"
publish_display_data(
    {
        "image/png": 'AAAA" onerror="' + JS + '" x="',
        "image/jpeg": PNG + '"><img src=x onerror=' + JS + ">",
        "text/plain": "broken pictures",
    }
)
publish_display_data({"image/png": PNG + " onerror=" + JS, "text/plain": "spaced"})
publish_display_data({"image/jpeg": "data:text/html;base64,PHNjcmlwdD4=", "text/plain": "url"})
