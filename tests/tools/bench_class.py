"""The classes `make bench` grades: all-correct, or mixed in a recipe's proportions."""

import itertools

from tools import scenarios

# Scenario names under tests/catalog/, by the part of a real class they stand for.
KINDS = {
    "correct": None,  # every scenario in tests/catalog/correct/
    "faulty": None,  # every scenario in tests/catalog/faulty/
    # A function that never returns: one that swallows interrupts, one at the top level.
    "hanging": ["hostile/loop_ignores_interrupt", "hostile/infinite_loop_top_level"],
    # exit, exception, memory, then a segfault: the order a small class draws them in.
    "crashing": [
        "hostile/hard_exit",
        "partial/half_done",
        "hostile/memory_exhaustion",
        "hostile/segfault",
    ],
}
ALL_CORRECT = {"correct": 1.0}
MIXED = {"correct": 0.6, "faulty": 0.2, "hanging": 0.1, "crashing": 0.1}
# The 500-student class: a realistic share of wrong answers, but no hangs, so that the run
# measures throughput, memory and resuming rather than time limits.
SCALE = {"correct": 0.8, "faulty": 0.2}


def apportion(count, recipe):
    """How many students of each kind, summing to `count` (largest remainder).

    Example
    -------
    >>> apportion(20, MIXED)
    {'correct': 12, 'faulty': 4, 'hanging': 2, 'crashing': 2}
    """
    total = sum(recipe.values())
    exact = {kind: count * share / total for kind, share in recipe.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(recipe, key=lambda kind: counts[kind] - exact[kind])
    for kind in by_remainder[: count - sum(counts.values())]:
        counts[kind] += 1
    return counts


def scenario_names(kind):
    """The catalog names (e.g. "faulty/flipped_kernel") a kind draws from, in order."""
    if KINDS[kind] is not None:
        return list(KINDS[kind])
    return [f"{kind}/{path.stem}" for path in sorted((scenarios.CATALOG_DIR / kind).glob("*.py"))]


def class_list(count, recipe):
    """[(student, catalog name)] for `count` students. A kind with fewer students than
    scenarios takes them evenly spread through the catalog (not the first few, which share
    a prefix); a kind with more cycles through them all."""
    students = []
    for kind, number in apportion(count, recipe).items():
        pool = scenario_names(kind)
        if number <= len(pool):
            names = [pool[i * len(pool) // number] for i in range(number)]
        else:
            names = itertools.islice(itertools.cycle(pool), number)
        for index, name in enumerate(names):
            students.append((f"{kind}-{index:03d}-{name.split('/')[1]}"[:60], name))
    return students


def write_class(course_root, students):
    """Write every student's submission into course_root/submitted/."""
    loaded = {}
    for student, name in students:
        if name not in loaded:
            loaded[name] = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenarios.write_submission(loaded[name], course_root, student)
