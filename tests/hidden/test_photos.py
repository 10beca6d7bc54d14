"""Hidden checks: the lesson's kernels on real photos the students have never seen."""

import pytest
from cases import photo

from convgrade.checks import expect, reference

PHOTO_CASES = [
    ("astronaut", "EDGE_DETECTION"),
    ("text", "SHARPEN"),
    ("gravel", "BOX_BLUR"),
    ("astronaut", "SHARPEN"),
]


@pytest.mark.group("check_convolve_photos")
@pytest.mark.parametrize(
    "photo_name, kernel_name", PHOTO_CASES, ids=[f"{k.lower()}-{p}" for p, k in PHOTO_CASES]
)
def test_lesson_kernels_on_photos(student, photo_name, kernel_name):
    image = photo(photo_name)
    kernel = reference.KERNELS[kernel_name]
    call = f"convolve with {kernel_name} on a {image.shape[0]} x {image.shape[1]} uint8 photo"
    result = student.call("convolve", image, kernel)
    expect.expect_convolution(result.value, image, kernel, call)
