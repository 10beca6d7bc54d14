"""The hidden checks' fixed inputs: arrays from data/cases.npz and photos from data/."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import imageio.v3 as iio
import numpy as np

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Case:
    """An image and a kernel, named so a failing check says which case failed."""

    name: str
    image: np.ndarray
    kernel: np.ndarray

    def __repr__(self):
        return self.name


@cache
def arrays():
    with np.load(DATA / "cases.npz", allow_pickle=False) as stored:
        return {key: stored[key] for key in stored.files}


def cases(prefix):
    """Every stored case whose name starts with `prefix`, e.g. cases("shape")."""
    names = sorted({key.rsplit("_", 1)[0] for key in arrays() if key.startswith(prefix + "_")})
    return [
        Case(name, arrays()[f"{name}_image"], arrays()[f"{name}_kernel"])
        for name in names
        if f"{name}_kernel" in arrays()
    ]


@cache
def photo(name):
    """A hidden photo as stored: uint8, gray (H, W) or colour (H, W, 3)."""
    return iio.imread(DATA / f"{name}.png")
