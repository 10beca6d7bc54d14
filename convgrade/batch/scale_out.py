"""Grading on a Dask cluster, and how fast it goes per worker.

`convgrade grade --scheduler tcp://HOST:8786` hands each submission to the workers of a
running Dask scheduler (`grade_class(scheduler=...)`). Each worker receives the course once
(a `CourseBundle`: configuration, gradebook snapshot, hidden checks, instructor notebooks)
and grades and makes feedback pages in its own private course copy, so a worker on another
machine needs no shared folder; it does need convgrade and nbgrader installed as here, and
a working sandbox (bubblewrap, the same `c.Sandbox` settings). The coordinator alone writes
the gradebook, the autograded folders and the pages.

`cluster_throughput` measures a cluster of worker processes on this machine, for `make
bench` and for an instructor deciding whether more machines would help.
"""

import time
from dataclasses import dataclass

from convgrade.batch.scheduler import grade_class


@dataclass
class Throughput:
    """One timed run on a Dask cluster."""

    workers: int
    graded: int
    failed: int
    seconds: float

    @property
    def per_minute(self):
        """Submissions graded (feedback included) per minute of the whole run."""
        return 60.0 * self.graded / self.seconds if self.seconds else 0.0

    @property
    def per_worker_per_minute(self):
        return self.per_minute / self.workers


def local_cluster(workers):
    """A Dask cluster of `workers` single-threaded worker processes on this machine.

    One thread each: a grading worker holds one sandboxed kernel at a time, and the hidden
    checks already use the student's whole core."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )


def cluster_throughput(root, assignment="convolutions", *, workers=2, feedback=True):
    """Grade every submission in `root` again (--force) on a fresh local Dask cluster of
    `workers` processes; returns (Throughput, BatchReport).

    The time counts from the cluster's start to the last page, as an instructor waits
    for it: workers' start-up included."""
    started = time.monotonic()
    with local_cluster(workers) as cluster:
        report = grade_class(
            root,
            assignment,
            force=True,
            scheduler=cluster.scheduler_address,
            progress=False,
            feedback=feedback,
        )
    seconds = time.monotonic() - started
    return Throughput(workers, len(report.graded), len(report.failed), seconds), report
