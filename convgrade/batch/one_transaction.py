"""A submission's record in the course's gradebook as one SQLite transaction.

nbgrader's writers commit after every grade and comment they save (SaveAutoGrades,
AssignLatePenalties), and the Gradebook methods that make the student and the submission
commit too: about 35 commits for one submission of this assignment. SQLite waits for the
disk at each, and in a grading run, with the workers writing too, recording a new
submission took the coordinator 0.19 s, only 0.04 s of it CPU. And a record stopped
half-way (the database locked by a TA's command, a full disk) left the rows written so
far: a submission with empty grades until the next run.

Inside `one_transaction(db_url)`, every nbgrader `Gradebook` this thread opens on that
database uses one connection with one open transaction. nbgrader's commits become
savepoint releases (SQLAlchemy's `join_transaction_mode="create_savepoint"`), its
rollbacks undo back to its last commit as before, and the block commits once at its end,
or rolls everything back if it raises: all of a record or none of it.

nbgrader makes each Gradebook's session with `sessionmaker(bind=engine)`, looked up in its
own module each time; replacing that name is the plug-in point, as `gradebook_engines`
does for `create_engine`. Gradebooks on other databases, in other threads, or outside the
block keep nbgrader's behaviour. The gradebook's tables must exist before the block: a
Gradebook on a new file creates them on a connection of its own, which would wait for this
transaction's write lock (GradebookWriter opens one first).
"""

import threading
from contextlib import contextmanager

import nbgrader.api
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_nbgrader_sessionmaker = nbgrader.api.sessionmaker
_open = threading.local()  # .url and .connection while this thread is inside the block
_engines = {}  # database URL -> the engine for its transactions
_lock = threading.Lock()


@contextmanager
def one_transaction(db_url):
    """All nbgrader Gradebook writes to `db_url` in this thread, inside the block, are
    committed together at its end, or not at all if it raises. Re-entering it for the
    same database joins the transaction already open."""
    url = str(make_url(db_url))
    if getattr(_open, "url", None) == url:
        yield
        return
    if getattr(_open, "url", None) is not None:
        raise RuntimeError(f"a transaction on {_open.url} is open in this thread")
    nbgrader.api.sessionmaker = _sessionmaker
    connection = _engine(url).connect()
    try:
        with connection.begin():
            _open.url, _open.connection = url, connection
            try:
                yield
            finally:
                _open.url = _open.connection = None
    finally:
        connection.close()


def _sessionmaker(*args, bind=None, **options):
    """nbgrader's `sessionmaker(...)`, bound to the open transaction's connection when
    `bind` is an engine on the database whose record is open in this thread."""
    url = getattr(_open, "url", None)
    if url is not None and bind is not None and str(getattr(bind, "url", "")) == url:
        return _nbgrader_sessionmaker(
            *args, bind=_open.connection, join_transaction_mode="create_savepoint", **options
        )
    return _nbgrader_sessionmaker(*args, bind=bind, **options)


def _engine(url):
    """One engine per database for its transactions, so compiled statements are kept
    (SQLAlchemy caches them on the engine). No pool: each transaction opens the file
    afresh, so a gradebook replaced by another file is never reached through an old
    connection."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_engine(url, future=True, poolclass=NullPool)
            # Python's sqlite3 module begins transactions itself, and would commit the whole
            # transaction when the outermost savepoint is released. SQLAlchemy's recipe: turn
            # that off, and begin explicitly.
            event.listen(engine, "connect", _no_implicit_transactions)
            event.listen(engine, "begin", _begin)
    return engine


def _no_implicit_transactions(dbapi_connection, _record):
    dbapi_connection.isolation_level = None


def _begin(connection):
    # IMMEDIATE: the write lock is taken now, waiting for it as SQLite's busy timeout
    # allows. A deferred transaction would read first, and if another program (a TA saving
    # a score) wrote meanwhile, its first write would fail at once instead of waiting.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
