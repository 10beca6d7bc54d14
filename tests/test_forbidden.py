"""Does the static scan find library convolution routines, however they are spelled?"""

import textwrap

import pytest

from convgrade.checks.forbidden import find_forbidden


def snippet(imports, body):
    """A student cell: some imports, then `def convolve(i, k)` with the given body."""
    return f"{imports}\ndef convolve(i, k):\n    " + body.replace("\n", "\n    ")


FORBIDDEN = {
    "numpy alias": snippet("import numpy as n", "return n.convolve(i.ravel(), k.ravel())"),
    "from-import": snippet("from scipy.signal import correlate2d as c2", "return c2(i, k)"),
    "module alias": snippet("import scipy.ndimage as ndi", "return ndi.correlate(i, k)"),
    "importlib": snippet(
        "import importlib",
        "s = importlib.import_module('scipy.signal')\nreturn s.correlate2d(i, k)",
    ),
    "dunder import": snippet("", "return __import__('cv2').filter2D(i, -1, k)"),
    "getattr": snippet("import numpy as np", "return getattr(np, 'correlate')(i, k)"),
    "helper": snippet(
        "from scipy import signal\ndef helper(i, k):\n    return signal.fftconvolve(i, k)",
        "return helper(i, k)",
    ),
    "star import": snippet("from numpy import *", "return correlate(i, k)"),
    "bound name": snippet("import numpy as np\nconv = np.convolve", "return conv(i, k)"),
    "skimage": snippet("", "from skimage.filters import edges\nreturn edges"),
}
ALLOWED = {
    "loops": snippet("import numpy as np", "return np.sum(i[:2, :2] * k)"),
    "sliding window": snippet(
        "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view",
        "return np.einsum('ijkl,kl->ij', sliding_window_view(i, k.shape), k)",
    ),
    "unused import": snippet("import scipy.signal", "return i"),
    "name clash": snippet("def correlate(a, b):\n    return a", "return correlate(i, k)"),
}


@pytest.mark.parametrize("code", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_forbidden_routine_is_found(code):
    found = find_forbidden([{"label": "cell 3", "source": code}], ["convolve"])
    assert found.get("convolve"), "the forbidden call was missed"


@pytest.mark.parametrize("code", ALLOWED.values(), ids=ALLOWED.keys())
def test_plain_numpy_is_allowed(code):
    assert find_forbidden([{"label": "cell 3", "source": code}], ["convolve"]) == {}


def test_alias_from_a_later_cell_is_resolved():
    cells = [
        {"label": "cell 1", "source": "def convolve(i, k):\n    return sig.correlate2d(i, k)"},
        {"label": "cell 2", "source": "from scipy import signal as sig"},
    ]
    assert (
        find_forbidden(cells, ["convolve"])["convolve"][0].describe()
        == "scipy.signal.correlate2d (cell 1, line 2)"
    )


def test_syntax_errors_do_not_stop_the_scan():
    cells = [
        {"label": "cell 1", "source": "def broken(:"},
        {
            "label": "cell 2",
            "source": "import numpy as np\ndef convolve(i, k):\n    return np.convolve(i, k)",
        },
    ]
    assert "convolve" in find_forbidden(cells, ["convolve"])


def test_names_built_from_pieces_are_found():
    code = (
        "import importlib\ndef convolve(i, k):\n"
        "    signal = importlib.import_module('scipy.' + 'signal')\n"
        "    return getattr(signal, 'correlate' + '2d')(i, k)"
    )
    found = find_forbidden([{"label": "cell 3", "source": code}], ["convolve"])
    assert [use.name for use in found["convolve"]][:1] == ["scipy.signal"]


# Lookups by name, chains of them, and module-level units: issue 9's bypasses and variants.
DYNAMIC = {
    "vars subscript": snippet(
        "import numpy as np", 'return vars(np._core.numeric)["correlate"](i, k)'
    ),
    "dict subscript, built name": snippet(
        "import numpy as np", 'return np.__dict__["conv" + "olve"](i.ravel(), k.ravel())'
    ),
    "dict get": snippet("import numpy as np", 'return np.__dict__.get("convolve")(i, k)'),
    "vars get": snippet("import numpy as np", 'return vars(np).get("correlate")(i, k)'),
    "getattr chain": snippet(
        "import numpy as np",
        'return getattr(getattr(np, "_core"), "multiarray").correlate2(i, k, 0)',
    ),
    "getattr of vars": snippet(
        "import numpy as np", 'return getattr(vars(np)["_core"], "numeric").convolve(i, k)'
    ),
    "joined name": snippet(
        "import numpy as np", 'return getattr(np, "".join(["corr", "elate"]))(i, k)'
    ),
    "reversed name": snippet("import numpy as np", 'return getattr(np, "evlovnoc"[::-1])(i, k)'),
    "sys.modules": snippet("import sys", 'return sys.modules["numpy"].convolve(i, k)'),
    "sys.modules get": snippet(
        "import sys", 'return sys.modules.get("scipy.signal").correlate2d(i, k)'
    ),
    "globals": snippet("import numpy as np", 'return globals()["np"].correlate(i, k)'),
    "attrgetter": snippet(
        "import operator\nimport numpy as np", 'return operator.attrgetter("convolve")(np)(i, k)'
    ),
    "import_module of numpy internals": snippet(
        "import importlib", 'return importlib.import_module("numpy._core.numeric").correlate(i, k)'
    ),
    "module-level lambda": snippet(
        "import numpy as np\nconv = lambda a, b: np.convolve(a, b)", "return conv(i, k)"
    ),
    "module-level lookup": snippet(
        'import numpy as np\nc = vars(np._core.numeric)["correlate"]', "return c(i, k)"
    ),
    "module-level partial": snippet(
        "import functools\nimport numpy as np\nc = functools.partial(np.correlate, mode='valid')",
        "return c(i, k)",
    ),
    "module-level dict of routines": snippet(
        'import numpy as np\nops = {"c": np.convolve}', 'return ops["c"](i, k)'
    ),
    "tuple assignment": snippet(
        "import numpy as np\nfirst, second = np.sum, np.correlate", "return second(i, k)"
    ),
    "class attribute": snippet(
        "import numpy as np\nclass Ops:\n    conv = staticmethod(np.convolve)",
        "return Ops.conv(i, k)",
    ),
}


@pytest.mark.parametrize("code", DYNAMIC.values(), ids=DYNAMIC.keys())
def test_dynamic_lookups_are_found(code):
    found = find_forbidden([{"label": "cell 3", "source": code}], ["convolve"])
    assert found.get("convolve"), "the forbidden routine was missed"


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nconvolve = np.convolve",
        'import numpy as np\nconvolve = lambda i, k: vars(np)["correlate"](i, k)',
        'import numpy as np\nglobals()["convolve"] = np.correlate',
        "import numpy as np\nconvolve: object = np.convolve",
    ],
    ids=["bound", "lambda", "globals", "annotated"],
)
def test_an_entry_point_defined_without_def_is_checked(source):
    assert find_forbidden([{"label": "cell 3", "source": source}], ["convolve"])["convolve"]


ALLOWED_DYNAMIC = {
    "module-level lambda": snippet(
        "import numpy as np\npad = lambda a: np.pad(a, 1)", "return pad(i)[:1]"
    ),
    "getattr of an allowed routine": snippet("import numpy as np", 'return getattr(np, "sum")(i)'),
    "vars of an allowed routine": snippet("import numpy as np", 'return vars(np)["flip"](k)'),
    "unused module-level use": snippet(
        "import numpy as np\ndemo = np.convolve([1, 2], [1])", "return i"
    ),
    "dynamic name, unknown": snippet("import numpy as np", "return getattr(np, k.dtype.name)"),
}


@pytest.mark.parametrize("code", ALLOWED_DYNAMIC.values(), ids=ALLOWED_DYNAMIC.keys())
def test_plain_dynamic_code_is_allowed(code):
    assert find_forbidden([{"label": "cell 3", "source": code}], ["convolve"]) == {}


# A correct loop convolve; its local names match what scratch cells bind at module level.
OWN_CONVOLVE = """
def convolve(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = (image[row:row + kh, col:col + kw] * kernel).sum()
    return result


def convolve_color(image, kernel):
    return np.stack([convolve(image[..., c], kernel) for c in range(3)], axis=-1)
"""
ENTRY_POINTS = ["convolve", "convolve_color"]


def scan(*sources):
    """find_forbidden over cells holding `sources`, in order."""
    cells = [{"label": f"cell {n}", "source": s} for n, s in enumerate(sources, 1)]
    return find_forbidden(cells, ENTRY_POINTS)


def local_binding(form):
    """A student convolve whose own name `conv` is bound by `form`, then called."""
    return "def convolve(i, k):\n" + textwrap.indent(form, "    ") + "\n    return conv"


# Ways a function binds a name of its own; each shadows a module-level `conv`.
LOCAL_BINDINGS = {
    "assignment": "conv = i * k",
    "augmented": "conv = 0\nconv += i.sum()",
    "annotated": "conv: float = i.sum()",
    "tuple target": "conv, rest = i, k",
    "for target": "for conv in i:\n    pass",
    "with target": "with open('x') as conv:\n    pass",
    "except target": "try:\n    pass\nexcept ValueError as conv:\n    raise",
    "walrus": "if (conv := i.sum()):\n    pass",
    "nested def": "def conv(a):\n    return a",
    "nested class": "class conv:\n    pass",
    "import inside": "from math import fsum as conv",
}
SCRATCH_CELLS = {
    "call result": "import numpy as np\nconv = np.convolve([1, 2, 3], [0, 1, 0.5])",
    "alias": "import numpy as np\nconv = np.convolve",
    "from-import": "from scipy.signal import correlate2d as conv",
    "helper": "from scipy import signal\ndef conv(a, b):\n    return signal.correlate2d(a, b)",
}


@pytest.mark.parametrize("scratch", SCRATCH_CELLS.values(), ids=SCRATCH_CELLS.keys())
@pytest.mark.parametrize("form", LOCAL_BINDINGS.values(), ids=LOCAL_BINDINGS.keys())
def test_a_local_name_is_not_the_module_level_one(form, scratch):
    assert scan(local_binding(form), scratch) == {}
    assert scan(scratch, local_binding(form)) == {}


@pytest.mark.parametrize(
    "parameters",
    [
        "i, correlate",
        "i, k=0, *correlate",
        "i, *, correlate=None",
        "i, **correlate",
        "correlate, /",
    ],
    ids=["positional", "star args", "keyword-only", "double star", "positional-only"],
)
def test_a_parameter_named_like_a_forbidden_alias_is_the_argument(parameters):
    # `correlate` is numpy's through the star import, everywhere but inside convolve.
    code = f"from numpy import *\n\n\ndef convolve({parameters}):\n    return correlate\n"
    assert scan(code) == {}


def test_a_parameter_named_like_a_module_alias_is_the_argument():
    code = "def convolve(image, signal):\n    return signal.correlate2d(image)\n"
    assert scan("from scipy import signal", code) == {}


def test_comprehension_and_lambda_variables_are_their_own():
    student = (
        "def convolve(i, k):\n"
        "    rows = [conv * 2 for conv in i]\n"
        "    weigh = lambda conv: conv * k\n"
        "    return {conv: weigh(conv) for conv in rows}\n"
    )
    assert scan("import numpy as np\nconv = np.convolve", student) == {}


def test_the_scratch_cells_of_the_red_team_keep_full_marks():
    numpy_scratch = (
        "import numpy as np\nresult = np.convolve([1, 2, 3], [0, 1, 0.5])\nprint(result)"
    )
    scipy_scratch = (
        "try:\n    from scipy import signal\n"
        "    result = signal.correlate2d(example_image, example_kernel, mode='valid')\n"
        "except ImportError:\n    pass"
    )
    assert scan("import numpy as np\n" + OWN_CONVOLVE, numpy_scratch, scipy_scratch) == {}


def test_own_def_after_a_star_import_replaces_numpys():
    assert scan("from numpy import *\n" + OWN_CONVOLVE.replace("np.", "")) == {}


def test_star_import_after_the_own_def_brings_numpys_back():
    found = scan("import numpy as np\n" + OWN_CONVOLVE, "from numpy import *")
    assert [use.name for use in found["convolve"]] == ["numpy.convolve"]
    assert found["convolve_color"]


def test_an_entry_point_imported_from_numpy_is_found():
    assert scan("from numpy import convolve")["convolve"][0].describe() == (
        "numpy.convolve (cell 1, line 1)"
    )


# Module-level names a function reads are still followed, whenever they are bound.
STILL_FOUND = {
    "alias after the def": ("def convolve(i, k):\n    return conv(i, k)", "conv = np.convolve"),
    "alias through global": (
        "def setup():\n    global conv\n    conv = np.convolve",
        "def convolve(i, k):\n    setup()\n    return conv(i, k)",
    ),
    "global declared in the entry point": (
        "def convolve(i, k):\n    global conv\n    conv = np.convolve\n    return conv(i, k)",
    ),
    "global assigned by another function": (
        "def setup():\n    global conv\n    conv = lambda a, b: np.correlate(a, b)",
        "def convolve(i, k):\n    return conv(i, k)",
    ),
    "global binding outlives a later def": (
        "def setup():\n    global convolve\n    convolve = np.convolve",
        "def convolve(i, k):\n    return i",
        "def convolve_color(i, k):\n    setup()\n    return convolve(i, k)",
    ),
    "helper chain": (
        "def inner(a, b):\n    return np.correlate(a, b)",
        "def middle(a, b):\n    return inner(a, b)",
        "def convolve(i, k):\n    return middle(i, k)",
    ),
    "nested function reads a module alias": (
        "def convolve(i, k):\n    def go():\n        return np.convolve(i, k)\n    return go()",
    ),
    "nonlocal alias": (
        "def convolve(i, k):\n    f = None\n    def pick():\n        nonlocal f\n"
        "        f = np.convolve\n    pick()\n    return f(i, k)",
    ),
    "conditional redefinition": (
        "def conv(a, b):\n    return a",
        "if True:\n    conv = np.convolve",
        "def convolve(i, k):\n    return conv(i, k)",
    ),
    "default argument": ("def convolve(i, k, f=np.convolve):\n    return f(i, k)",),
    "decorator": (
        "def wrap(f):\n    return lambda i, k: np.convolve(i, k)",
        "@wrap\ndef convolve(i, k):\n    return i",
    ),
    "by globals()": (
        "def helper(a, b):\n    return np.correlate(a, b)",
        'def convolve(i, k):\n    return globals()["helper"](i, k)',
    ),
    "cell symtable rejects": (
        "nonlocal x\nconv = np.convolve",
        "def convolve(i, k):\n    return conv(i, k)",
    ),
}


@pytest.mark.parametrize("sources", STILL_FOUND.values(), ids=STILL_FOUND.keys())
def test_module_level_names_are_still_followed(sources):
    found = scan("import numpy as np", *sources)
    assert found.get("convolve_color" if "convolve_color" in sources[-1] else "convolve")
