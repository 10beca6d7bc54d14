"""Floods /dev/shm, /dev and every folder it can find with files, from the notebook and convolve."""

# base: release
# expect: zero
# %% convolve
import os


def _flood():
    written = {}
    for folder in [
        "/dev/shm",
        "/dev",
        "/",
        "/tmp",
        os.getcwd(),
        os.path.expanduser("~"),
        "/dev/mqueue",
        "/run",
        "/var/tmp",
    ]:
        total = 0
        try:
            for index in range(1000):
                with open(os.path.join(folder, f"flood-{index}"), "wb") as file:
                    file.write(os.urandom(1 << 20) * 8)
                total += 8
        except OSError:
            pass
        written[folder] = total
    return written


print("MiB written:", _flood())


def convolve(image, kernel):
    _flood()
    return np.zeros((1, 1))
