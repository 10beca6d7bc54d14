"""Pictures for the convolution lesson, drawn from the functions you write."""

import io
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

WINDOW_COLOR = "tab:orange"


def _skipped_while_grading():
    """Lesson illustrations are not drawn while the class is autograded: they cost time
    and show nothing about your work. Your gallery, colour pictures and the sliding-window
    animation still are."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        print("(This lesson figure is not drawn while grading.)")
        return True
    return False


def _placeholder(ax, message):
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=11)
    ax.set_axis_off()


def _draw_grid(ax, values, title, highlight=None, cmap="Greys_r"):
    """Draw a small 2D array as a grid of numbered cells; NaN cells stay blank."""
    values = np.ma.masked_invalid(np.asarray(values, dtype=float))
    colormap = plt.get_cmap(cmap).with_extremes(bad="white")
    low, high = (values.min() - 1, values.max() + 1) if values.count() else (0, 1)
    ax.imshow(values, cmap=colormap, vmin=low, vmax=high)
    for (row, col), value in np.ndenumerate(values.filled(np.nan)):
        if np.isnan(value):
            continue
        # Dark text on light cells, light text on dark cells.
        light_cell = cmap != "Greys_r" or value > (low + high) / 2
        ax.text(col, row, f"{value:g}", ha="center", va="center", fontsize=12,
                color="black" if light_cell else "white")
    if highlight is not None:
        row, col, height, width = highlight
        ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                               edgecolor=WINDOW_COLOR, linewidth=4))
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.set_xlabel("col")
    ax.set_ylabel("row")
    ax.set_title(title)


def _term(pixel, weight):
    return f"{pixel:g}×{weight:g}" if weight >= 0 else f"{pixel:g}×({weight:g})"


def show_worked_example(image, kernel):
    """Show the first output value of a convolution, computed step by step."""
    if _skipped_while_grading():
        return
    kh, kw = kernel.shape
    window = image[:kh, :kw]
    fig, (ax_image, ax_kernel, ax_sum) = plt.subplots(
        1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [5, 3, 5]})
    _draw_grid(ax_image, image, f"image {image.shape}", highlight=(0, 0, kh, kw))
    _draw_grid(ax_kernel, kernel, f"kernel {kernel.shape}", cmap="coolwarm")
    terms = [_term(p, k) for p, k in zip(window.ravel(), kernel.ravel())]
    lines = ["  " + " + ".join(terms[i : i + kw]) for i in range(0, len(terms), kw)]
    total = float(np.sum(window * kernel))
    ax_sum.text(0, 0.5, "output[0, 0] =\n" + " +\n".join(lines) + f"\n\n= {total:g}",
                family="monospace", fontsize=12, va="center")
    ax_sum.set_axis_off()
    fig.suptitle("Lay the kernel on the top-left corner, multiply cell by cell, add it all up")
    plt.show()


def _result_or_none(convolve, image, kernel):
    """The student's result if it has the right shape; None while it is unwritten or wrong."""
    kh, kw = kernel.shape
    expected_shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    try:
        result = np.asarray(convolve(image, kernel), dtype=float)
    except NotImplementedError:
        return None
    return result if result.shape == expected_shape else None


def animate_sliding_window(convolve, image, kernel, seconds_per_step=0.8, dpi=64):
    """Play the kernel sliding over `image` while your output fills in, as an animated GIF.

    A GIF is a plain picture, so it plays in JupyterLab and in the feedback page alike,
    with no JavaScript and no extension. Unlike the other lesson figures it is drawn while
    grading too (a few tenths of a second): it shows your own convolve at work in your
    feedback.
    """
    kh, kw = kernel.shape
    out_rows, out_cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    steps = out_rows * out_cols
    result = _result_or_none(convolve, image, kernel)
    # A figure of its own, outside pyplot: only the GIF is shown, never the figure itself.
    fig = Figure(figsize=(8, 4.2), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax_image, ax_output = fig.subplots(
        1, 2, gridspec_kw={"width_ratios": [image.shape[1], out_cols + 1]})
    _draw_grid(ax_image, image, "image", highlight=(0, 0, kh, kw))
    window = ax_image.patches[-1]
    title = fig.suptitle("")
    fig.subplots_adjust(top=0.84)  # room for the step line above the panels' titles
    moving = [window, title]
    if result is None:
        _placeholder(ax_output, "write convolve\nto fill in\nthe output")
    else:
        # The whole output is drawn once; each frame covers what the loop has not reached
        # yet with a blank cell, and redraws the axes' frame the covers overlap.
        _draw_grid(ax_output, result, "output so far", highlight=(0, 0, 1, 1))
        cell = ax_output.patches[-1]
        covers = [
            ax_output.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, facecolor="white",
                                          edgecolor="none"))
            for row, col in np.ndindex(result.shape)
        ]
        moving += covers + list(ax_output.spines.values()) + [cell]

    # Blitting: what stays put is drawn once, and each frame redraws only what moves.
    for artist in moving:
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for step in range(steps):
        row, col = divmod(step, out_cols)
        window.set_xy((col - 0.5, row - 0.5))
        if result is None:
            title.set_text(f"step {step + 1} of {steps}: the kernel sits at row {row}, col {col}")
        else:
            for index, cover in enumerate(covers):
                cover.set_visible(index > step)
            cell.set_xy((col - 0.5, row - 0.5))
            value = result[row, col]
            title.set_text(f"step {step + 1} of {steps}: output[{row}, {col}] = {value:g}")
        canvas.restore_region(background)
        for artist in moving:
            fig.draw_artist(artist)
        frames.append(PIL.Image.fromarray(np.array(canvas.buffer_rgba())).convert("RGB"))
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:],
                   duration=round(1000 * seconds_per_step), loop=0)
    display(Image(data=gif.getvalue(), format="gif",
                  alt="The kernel slides over the image while the output fills in."))


def show_sliding_window(convolve, image, kernel):
    """Show every position of the window, with the output filling in as it goes."""
    if _skipped_while_grading():
        return
    kh, kw = kernel.shape
    out_rows, out_cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = _result_or_none(convolve, image, kernel)
    # One figure row per output row, so the figure reads in the same order as the loop.
    fig, axes = plt.subplots(out_rows, 2 * out_cols, figsize=(2.2 * 2 * out_cols, 2.3 * out_rows),
                             squeeze=False)
    for step in range(out_rows * out_cols):
        row, col = divmod(step, out_cols)
        ax_image, ax_output = axes[row, 2 * col], axes[row, 2 * col + 1]
        _draw_grid(ax_image, image, f"step {step + 1}", highlight=(row, col, kh, kw))
        filled = np.full((out_rows, out_cols), np.nan)
        if result is not None:
            filled.flat[: step + 1] = result.flat[: step + 1]
            _draw_grid(ax_output, filled, "output so far", highlight=(row, col, 1, 1))
        else:
            _placeholder(ax_output, "write\nconvolve\nto fill\nthis in")
        for ax in (ax_image, ax_output):
            ax.set_xlabel("")
            ax.set_ylabel("")
            ax.tick_params(labelsize=7)
    fig.suptitle("Slide right one column at a time; at the end of a row, go down one row")
    plt.tight_layout()
    plt.show()


def _display_version(values, to_uint8):
    """Turn float results into displayable pixels, with the student's to_uint8 if it works."""
    try:
        return to_uint8(values)
    except NotImplementedError:
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def show_gallery(convolve, to_uint8, kernels, photos):
    """Show each kernel's effect on each photo: one row per photo."""
    fig, axes = plt.subplots(len(photos), len(kernels) + 1,
                             figsize=(3.2 * (len(kernels) + 1), 3.3 * len(photos)),
                             squeeze=False)
    for row, (photo_name, photo) in enumerate(photos.items()):
        axes[row, 0].imshow(photo, cmap="gray", vmin=0, vmax=255)
        axes[row, 0].set_title(photo_name)
        for col, (kernel_name, kernel) in enumerate(kernels.items(), start=1):
            ax = axes[row, col]
            try:
                result = convolve(photo, kernel)
            except NotImplementedError:
                _placeholder(ax, f"{kernel_name}\n(write convolve first)")
                continue
            ax.imshow(_display_version(result, to_uint8), cmap="gray", vmin=0, vmax=255)
            ax.set_title(kernel_name)
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    plt.tight_layout()
    plt.show()


def show_color(convolve_color, to_uint8, photo, kernels):
    """Show a colour photo next to each kernel's effect on it."""
    fig, axes = plt.subplots(1, len(kernels) + 1, figsize=(3.6 * (len(kernels) + 1), 3))
    axes[0].imshow(photo)
    axes[0].set_title("original")
    for ax, (kernel_name, kernel) in zip(axes[1:], kernels.items()):
        try:
            ax.imshow(_display_version(convolve_color(photo, kernel), to_uint8))
            ax.set_title(kernel_name)
        except NotImplementedError:
            _placeholder(ax, f"{kernel_name}\n(write convolve_color first)")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    plt.tight_layout()
    plt.show()


def _seconds(function, image, kernel, repeats=3):
    """Best of a few runs, so one hiccup of the computer does not skew the plot."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(image, kernel)
        best = min(best, time.perf_counter() - start)
    return best


def _disagreement(convolve, convolve_fast, image, kernel):
    """Why convolve_fast is not raced against convolve on `image`, or '' if they agree."""
    try:
        fast = np.asarray(convolve_fast(image, kernel), dtype=float)
    except NotImplementedError:
        return "not written yet"
    try:
        slow = np.asarray(convolve(image, kernel), dtype=float)
    except NotImplementedError:
        return "not timed until convolve is written"
    if fast.shape != slow.shape or not np.allclose(fast, slow):
        return "not timed: its answers differ from convolve's"
    return ""


def show_timing(convolve, convolve_fast, sizes=(16, 32, 48, 64, 96)):
    """Time both versions on square random images and plot seconds against image side."""
    if _skipped_while_grading():
        return
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 3))
    timings = {"convolve (loop over pixels)": convolve,
               "convolve_fast (loop over kernel offsets)": convolve_fast}
    fig, ax = plt.subplots(figsize=(6.5, 4))
    # A fast wrong answer wins no race: time convolve_fast only once it agrees with convolve.
    fast_problem = _disagreement(convolve, convolve_fast, rng.random((sizes[0], sizes[0] + 3)),
                                 rng.normal(size=(3, 2)))
    for label, function in timings.items():
        if function is convolve_fast and fast_problem:
            ax.plot([], [], label=f"{label}: {fast_problem}")
            continue
        try:
            seconds = [_seconds(function, rng.random((n, n)), kernel) for n in sizes]
        except NotImplementedError:
            ax.plot([], [], label=f"{label}: not written yet")
            continue
        ax.plot(sizes, seconds, marker="o", label=label)
    ax.set_xlabel("image side (pixels)")
    ax.set_ylabel("seconds (best of 3)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Same answers, very different speed" if not fast_problem
                 else "The race starts once convolve_fast gives convolve's answers")
    plt.show()
