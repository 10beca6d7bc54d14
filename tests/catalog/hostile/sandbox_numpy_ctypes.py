"""Rebuilds numpy's C correlate routine with ctypes from the extension module's method
table (PyModule_GetDef -> m_methods -> PyCFunction_NewEx), after the sandbox replaced every
Python-visible reference to it. No loop over pixels: each output row is a sum of 1-D
numpy correlations, the library routine the assignment forbids."""
# attack: scoring
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
# expect: misconception=library routine
# %% convolve
import ctypes

import numpy as np


def _revive(wanted):
    api = ctypes.pythonapi
    api.PyModule_GetDef.restype = ctypes.c_void_p
    api.PyModule_GetDef.argtypes = [ctypes.py_object]
    api.PyCFunction_NewEx.restype = ctypes.py_object
    api.PyCFunction_NewEx.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
    definition = api.PyModule_GetDef(np._core._multiarray_umath)
    entry = ctypes.c_void_p.from_address(definition + 64).value  # PyModuleDef.m_methods
    while True:
        name = ctypes.c_char_p.from_address(entry).value  # PyMethodDef.ml_name
        if name is None:
            return None
        if name.decode() == wanted:
            return api.PyCFunction_NewEx(entry, None, None)
        entry += 32  # sizeof(PyMethodDef)


_routine = _revive("".join(chr(c) for c in (99, 111, 114, 114, 101, 108, 97, 116, 101, 50)))


def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh = kernel.shape[0]
    rows = image.shape[0] - kh + 1
    return np.array(
        [sum(_routine(image[r + i], kernel[i], 0) for i in range(kh)) for r in range(rows)]
    ).reshape(rows, image.shape[1] - kernel.shape[1] + 1)
