"""Can `convgrade grade` start again after a run was killed in the middle of a gradebook write?"""

import sqlite3
import subprocess
import sys

from convgrade import preflight

# Starts a write transaction on the gradebook, says so, and waits to be killed inside it.
WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=DELETE")
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE assignment SET name = 'half-written'")
db.execute("PRAGMA cache_spill=1")
db.execute("INSERT INTO filler SELECT randomblob(4096) FROM generate_series")
print("inside", flush=True)
time.sleep(60)
"""


def test_does_preflight_read_a_gradebook_whose_writer_was_killed_mid_write(tmp_path):
    path = tmp_path / "gradebook.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE assignment (name TEXT)")
        db.execute("INSERT INTO assignment VALUES ('convolutions')")
        db.execute("CREATE TABLE filler (data BLOB)")
        db.execute("CREATE TABLE generate_series (n INTEGER)")
        db.executemany("INSERT INTO generate_series VALUES (?)", [(i,) for i in range(2000)])
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "inside"
    writer.kill()
    writer.wait()
    assert (tmp_path / "gradebook.db-journal").stat().st_size > 0  # a hot journal was left
    assert preflight.gradebook_assignments(tmp_path) == ["convolutions"]
