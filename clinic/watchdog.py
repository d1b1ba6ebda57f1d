"""A job that hangs on a database that stopped answering is cut loose after its timeout.

A statement timeout is enforced by the server, and TCP keepalives are answered by any proxy or
half-dead host in between: neither frees a worker whose database accepts bytes and never replies.
The watchdog thread shuts down the socket of the hung job's database connection; the blocked call
then fails at once with a database error, which the worker loop catches and retries after a backoff.
"""

import contextlib
import logging
import socket
import threading
import time

from django.db import connections

logger = logging.getLogger(__name__)


class Watchdog:
    def __init__(self, timeout_seconds, *, check_every=1.0):
        self.timeout = timeout_seconds
        self.check_every = check_every
        self._lock = threading.Lock()
        self._started_at = None
        self._watched = []
        self._stop = threading.Event()
        self._thread = None
        self.cuts = 0

    def start(self):
        self._thread = threading.Thread(target=self._watch, name="worker-watchdog", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @contextlib.contextmanager
    def job(self):
        """Watch the current thread's database connections while the block runs."""
        with self._lock:
            self._started_at = time.monotonic()
            self._watched = list(connections.all())
        try:
            yield
        finally:
            with self._lock:
                self._started_at = None
                self._watched = []

    def _watch(self):
        while not self._stop.wait(self.check_every):
            with self._lock:
                overdue = self._started_at is not None and time.monotonic() - self._started_at > self.timeout
                watched = list(self._watched) if overdue else []
                if overdue:
                    self._started_at = None  # cut once per job
            for conn in watched:
                if _cut(conn):
                    self.cuts += 1
                    logger.warning("A job hung on the database past %s s: its connection was cut.", self.timeout)


def _cut(conn):
    """Shut down the connection's socket (the blocked call then fails); True if there was one."""
    try:
        fd = conn.connection.fileno() if conn.connection is not None else -1
    except Exception:  # closed already
        return False
    if fd < 0:
        return False
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()  # the driver still owns the descriptor
    return True
