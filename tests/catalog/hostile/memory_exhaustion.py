"""A correct notebook with an added cell that reserves 4 GiB in 512 MiB arrays: the
per-process memory cap must raise MemoryError long before, and the answers keep every point.
(An added cell's calls run in the notebook only, not when the grader loads the answers.)"""
# attack: sandbox
# expect: full-marks
# blocked: memory hoard stopped at \d+ MiB: MemoryError: Unable to allocate
# escaped: HOARDED-ALL
# %% new-cell
def _hoard(gib=4):
    hoard = []
    try:
        while len(hoard) < gib * 2:
            hoard.append(np.empty(1 << 26))  # 512 MiB of float64, not touched
        return f"HOARDED-ALL {gib} GiB"
    except MemoryError as error:
        return f"memory hoard stopped at {512 * len(hoard)} MiB: MemoryError: {error}"


print(_hoard())
