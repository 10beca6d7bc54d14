"""Does the static scan find library convolution routines, however they are spelled?"""

import pytest

from convgrade.forbidden import find_forbidden


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
