"""Regenerate tests/hidden/data/cases.npz, the hidden checks' fixed arrays (`make hidden-inputs`).

The arrays are stored rather than drawn at check time, so that they never change with a
numpy upgrade. Rerunning this changes them; review the diff of every check it affects.
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("data") / "cases.npz"


def main():
    rng = np.random.default_rng(20261126)

    def ints(shape, low=0, high=10, dtype=np.int64):
        return rng.integers(low, high, size=shape).astype(dtype)

    arrays = {
        # shapes: image and kernel sizes, square and not
        "shape_a_image": ints((7, 9)),
        "shape_a_kernel": ints((3, 3), -3, 4),
        "shape_b_image": ints((10, 6)),
        "shape_b_kernel": ints((2, 5), -3, 4),
        "shape_c_image": ints((5, 8)),
        "shape_c_kernel": ints((5, 1), -3, 4),
        "shape_d_image": ints((9, 4)),
        "shape_d_kernel": ints((1, 3), -3, 4),
        "shape_e_image": ints((12, 11)),
        "shape_e_kernel": ints((3, 2), -3, 4),
        # small integer values with asymmetric kernels
        "small_a_image": ints((6, 7)),
        "small_a_kernel": ints((3, 3), -3, 4),
        "small_b_image": ints((8, 8)),
        "small_b_kernel": ints((2, 2), -3, 4),
        "small_c_image": ints((5, 9), -5, 6),
        "small_c_kernel": ints((3, 3), -2, 3),
        # non-square images and kernels
        "nonsquare_a_image": ints((7, 12)),
        "nonsquare_a_kernel": ints((2, 4), -3, 4),
        "nonsquare_b_image": ints((13, 5)),
        "nonsquare_b_kernel": ints((4, 2), -3, 4),
        "nonsquare_c_image": rng.normal(size=(9, 10)),
        "nonsquare_c_kernel": rng.normal(size=(1, 5)),
        # square kernels that differ from their flips and transpose
        "asym_a_image": ints((8, 8)),
        "asym_a_kernel": np.arange(9.0).reshape(3, 3) - 4,
        "asym_b_image": rng.normal(size=(10, 9)),
        "asym_b_kernel": rng.normal(size=(4, 4)),
        "asym_c_image": ints((7, 7)),
        "asym_c_kernel": np.array([[0, 0, 0], [0, 0, 2], [0, 1, 0]]),
        # 1 x 1 and full-size kernels, and a one-row image
        "size_a_image": ints((6, 5)),
        "size_a_kernel": np.array([[-1.5]]),
        "size_b_image": ints((7, 7)),
        "size_b_kernel": rng.normal(size=(7, 7)),
        "size_c_image": rng.normal(size=(4, 9)),
        "size_c_kernel": rng.normal(size=(4, 9)),
        "size_d_image": ints((1, 8)),
        "size_d_kernel": ints((1, 3), -3, 4),
        # uint8 images whose sums leave 0..255
        "uint8_a_image": ints((6, 6), 180, 256, np.uint8),
        "uint8_a_kernel": np.ones((3, 3)),
        "uint8_b_image": ints((7, 5), 0, 256, np.uint8),
        "uint8_b_kernel": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "uint8_c_image": ints((5, 8), 100, 256, np.uint8),
        "uint8_c_kernel": ints((2, 3), -4, 5),
        # any dtype in, float out
        "dtype_image": ints((6, 6), 0, 256),
        "dtype_kernel": ints((3, 3), -2, 3),
        # colour: a photo-like 4-channel case and a tiny one
        "color_a_image": ints((6, 7, 4), 0, 256, np.uint8),
        "color_a_kernel": ints((2, 3), -2, 3),
        # to_uint8 inputs
        "uint8_values": np.concatenate(
            [
                rng.uniform(-400, 700, size=40),
                [
                    0.5,
                    1.5,
                    2.5,
                    3.5,
                    126.5,
                    254.5,
                    255.5,
                    -0.5,
                    -0.4,
                    -0.6,
                    255.4,
                    255.6,
                    0.49,
                    0.51,
                ],
            ]
        ).reshape(6, 9),
    }
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(arrays)} arrays to {OUT}")


if __name__ == "__main__":
    main()
