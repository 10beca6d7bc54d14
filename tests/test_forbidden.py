"""Does the static scan find library convolution routines, however they are spelled?"""

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
