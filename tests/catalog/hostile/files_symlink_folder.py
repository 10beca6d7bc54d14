"""Links whole folders into the submission: the hidden checks and the course itself."""
# attack: files
# expect: full-marks
# folder: symlink hidden {repo}/tests/hidden
# folder: symlink images/course {course}
# %% new-cell
import base64

for _name in ["hidden/data/cases.npz", "images/course/gradebook.db"]:
    try:
        with open(_name, "rb") as _file:
            print(_name, base64.b64encode(_file.read(3000)).decode())
    except OSError as _error:
        print(_name, "not readable:", type(_error).__name__)
