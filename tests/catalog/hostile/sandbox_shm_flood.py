"""A correct notebook that also floods /dev/shm, /dev, /, /tmp, its folder, its home,
/dev/mqueue, /run and /var/tmp with files of random bytes, up to 512 MiB each: every place is
either read-only or capped. It cleans up after itself, and the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: /dev/shm: stopped at \d+ MiB: OSError: \[Errno 28\] No space left on device
# blocked: /: stopped at 0 MiB: OSError: \[Errno 30\] Read-only file system
# escaped: FLOODED
# %% convolve after-answer
import os


def _flood(folders, mib=512):
    written = []
    for folder in folders:
        before = len(written)
        try:
            for index in range(mib // 8):
                path = os.path.join(folder, f"flood-{index}")
                written.append(path)
                with open(path, "wb") as file:
                    file.write(os.urandom(1 << 20) * 8)
            print(f"{folder}: FLOODED {mib} MiB")
        except OSError as error:
            mib_written = 8 * (len(written) - before - 1)
            print(f"{folder}: stopped at {mib_written} MiB: {type(error).__name__}: {error}")
    for path in written:
        if os.path.exists(path):
            os.remove(path)


_flood(
    [
        "/dev/shm",
        "/dev",
        "/",
        "/tmp",
        os.getcwd(),
        os.path.expanduser("~"),
        "/dev/mqueue",
        "/run",
        "/var/tmp",
    ]
)
