"""Fills /tmp and /dev/shm, then has children allocate on top: memory outside any process."""

# base: release
# expect: zero
# %% convolve
import multiprocessing
import os


def _fill(folder, limit=3 << 30):
    total = 0
    try:
        for index in range(limit >> 24):
            with open(os.path.join(folder, f"fill-{index}"), "wb") as file:
                file.write(b"x" * (1 << 24))
            total += 1 << 24
    except OSError:
        pass
    return total >> 20


def _allocate(_):
    return len(bytearray(b"y" * (900 << 20)))


print("MiB written:", _fill("/tmp"), _fill("/dev/shm"), _fill(os.getcwd()))


def convolve(image, kernel):
    for name in os.listdir("/dev/shm"):  # room for the pool's semaphores
        os.remove(os.path.join("/dev/shm", name))
    with multiprocessing.get_context("fork").Pool(3) as pool:
        pool.map(_allocate, range(3))
    return np.zeros((1, 1))
