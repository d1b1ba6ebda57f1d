"""Dependencies that hang: a TCP listener that accepts connections and never answers a byte."""

import contextlib
import socket
import threading


class HangingServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)  # kept open, never read from, never answered

    @property
    def accepted(self):
        return len(self.connections)

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


@contextlib.contextmanager
def hanging_server():
    """Yield a HangingServer; `.port` to point a client at, `.accepted` to count connections."""
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()


def refused_port():
    """A loopback port where nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
