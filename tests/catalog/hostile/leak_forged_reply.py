"""Writes its own reply into the grader's pipe, with the right request id, whose error
type, message and location carry the hidden inputs; then exits before the real reply."""
# attack: leak
# The other answers are right: a function whose calls end the process twice is not
# called again, and the checks of the rest still run.
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_color
# expect: loses=check_to_uint8
# %% convolve
import base64
import gc
import json
import os
import struct
import sys


def _forge(error):
    frame = sys._getframe()
    while frame is not None and "replies" not in frame.f_locals:
        frame = frame.f_back
    if frame is None:
        return
    replies, request = frame.f_locals["replies"], frame.f_locals["header"]
    header = json.dumps({"ok": False, "missing": False, "error": error,
                         "id": request.get("id"), "blobs": []}).encode()
    replies.write(struct.pack(">Q", len(header)) + header)
    replies.flush()
    gc.collect()
    os._exit(0)


def convolve(image, kernel):
    data = base64.b64encode(image.tobytes()).decode()
    _forge({"type": data, "message": data, "where": f" (your convolve cell, line 1: {data})"})


# %% convolve_color
def convolve_color(image, kernel):
    hexed = image.tobytes().hex()
    _forge({"type": ["NotImplementedError"], "message": {"a": hexed}, "where": hexed})


# %% to_uint8
def to_uint8(values):
    _forge("IndexError: " + values.tobytes().hex())
