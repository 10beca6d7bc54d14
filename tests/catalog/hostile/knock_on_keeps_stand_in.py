"""Keeps the grader's stand-in convolve, and a copy of its answers, from a colour check (where a wrong convolve is replaced to judge convolve_color alone), revives it afterwards and lets convolve answer with it first: it answers only that check's colour channels, so every later convolve check (the photos) still loses."""
# attack: scoring
# expect: misconception=mean instead of sum
# expect: misconception=fix convolve first
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_photos
# %% convolve
KEPT = []


def convolve(image, kernel):
    for stand_in, answers in KEPT:
        try:
            stand_in._answers = dict(answers)  # revive the retired stand-in
            return stand_in(image, kernel)
        except Exception:
            pass
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.mean(image[r:r + kh, c:c + kw] * kernel)
    return out
# %% convolve_color
def convolve_color(image, kernel):
    helper = convolve
    if hasattr(helper, "_answers"):  # not the function defined above: keep it and its table
        KEPT.append((helper, dict(helper._answers)))
        globals()["convolve"] = helper  # and try to stay in place after the call
    return np.stack([helper(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
