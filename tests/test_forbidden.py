"""Does the static scan find library convolution routines, however they are spelled?"""

import pytest

from convgrade.forbidden import find_forbidden

FORBIDDEN = {
    "numpy alias": "import numpy as n\ndef convolve(i, k):\n    return n.convolve(i.ravel(), k.ravel())",
    "from-import": "from scipy.signal import correlate2d as c2\ndef convolve(i, k):\n    return c2(i, k)",
    "module alias": "import scipy.ndimage as ndi\ndef convolve(i, k):\n    return ndi.correlate(i, k)",
    "importlib": "import importlib\ndef convolve(i, k):\n"
                 "    s = importlib.import_module('scipy.signal')\n    return s.correlate2d(i, k)",
    "dunder import": "def convolve(i, k):\n    return __import__('cv2').filter2D(i, -1, k)",
    "getattr": "import numpy as np\ndef convolve(i, k):\n    return getattr(np, 'correlate')(i, k)",
    "helper": "from scipy import signal\ndef helper(i, k):\n    return signal.fftconvolve(i, k)\n"
              "def convolve(i, k):\n    return helper(i, k)",
    "star import": "from numpy import *\ndef convolve(i, k):\n    return correlate(i, k)",
    "bound name": "import numpy as np\nconv = np.convolve\ndef convolve(i, k):\n    return conv(i, k)",
    "skimage": "def convolve(i, k):\n    from skimage.filters import edges\n    return edges",
}
ALLOWED = {
    "loops": "import numpy as np\ndef convolve(i, k):\n    return np.sum(i[:2, :2] * k)",
    "sliding window": "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\n"
                      "def convolve(i, k):\n"
                      "    return np.einsum('ijkl,kl->ij', sliding_window_view(i, k.shape), k)",
    "unused import": "import scipy.signal\ndef convolve(i, k):\n    return i",
    "name clash": "def correlate(a, b):\n    return a\ndef convolve(i, k):\n    return correlate(i, k)",
}


@pytest.mark.parametrize("code", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_forbidden_routine_is_found(code):
    found = find_forbidden([{"label": "cell 3", "source": code}], ["convolve"])
    assert found.get("convolve"), "the forbidden call was missed"


@pytest.mark.parametrize("code", ALLOWED.values(), ids=ALLOWED.keys())
def test_plain_numpy_is_allowed(code):
    assert find_forbidden([{"label": "cell 3", "source": code}], ["convolve"]) == {}


def test_alias_from_a_later_cell_is_resolved():
    cells = [{"label": "cell 1", "source": "def convolve(i, k):\n    return sig.correlate2d(i, k)"},
             {"label": "cell 2", "source": "from scipy import signal as sig"}]
    assert find_forbidden(cells, ["convolve"])["convolve"][0].describe() == \
        "scipy.signal.correlate2d (cell 1, line 2)"


def test_syntax_errors_do_not_stop_the_scan():
    cells = [{"label": "cell 1", "source": "def broken(:"},
             {"label": "cell 2", "source": "import numpy as np\ndef convolve(i, k):\n"
                                           "    return np.convolve(i, k)"}]
    assert "convolve" in find_forbidden(cells, ["convolve"])


def test_names_built_from_pieces_are_found():
    code = ("import importlib\ndef convolve(i, k):\n"
            "    signal = importlib.import_module('scipy.' + 'signal')\n"
            "    return getattr(signal, 'correlate' + '2d')(i, k)")
    found = find_forbidden([{"label": "cell 3", "source": code}], ["convolve"])
    assert [use.name for use in found["convolve"]][:1] == ["scipy.signal"]
