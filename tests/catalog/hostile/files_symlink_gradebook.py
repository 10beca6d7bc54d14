"""Links the course gradebook and the hidden cases into the submission, then prints them."""
# attack: files
# expect: full-marks
# folder: symlink gradebook.db {course}/gradebook.db
# folder: symlink data/cases.npz {repo}/tests/hidden/data/cases.npz
# %% new-cell
import base64

for _name in ["gradebook.db", "data/cases.npz"]:
    try:
        with open(_name, "rb") as _file:
            print(_name, base64.b64encode(_file.read(3000)).decode())
    except OSError as _error:
        print(_name, "not readable:", type(_error).__name__)
