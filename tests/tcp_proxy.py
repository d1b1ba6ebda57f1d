"""A TCP proxy on loopback that a test or benchmark puts in front of a server and then cuts or stalls.

with TcpProxy("127.0.0.1", 5432) as proxy:   # proxy.port forwards to PostgreSQL
    proxy.refuse()    # connections refused, open ones reset (the database "went away")
    proxy.stall()     # connections accepted and open ones kept, but no byte goes through
    proxy.forward()   # back to normal
"""

import contextlib
import select
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.mode = "forward"
        self.port = None
        self._listener = None
        self._pairs = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self):
        self._listen()
        return self

    def __exit__(self, *exc):
        self._closed = True
        self._close_listener()
        self._reset_all()

    def refuse(self):
        self.mode = "refuse"
        self._close_listener()
        self._reset_all()

    def stall(self):
        self.mode = "stall"
        if self._listener is None:
            self._listen()

    def forward(self):
        if self.mode == "stall":
            self._reset_all()  # what was stalled is lost, as after a real network stall
        self.mode = "forward"
        if self._listener is None:
            self._listen()

    def _listen(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for _ in range(50):  # the port of a just-closed listener may take a moment to free
            try:
                listener.bind(("127.0.0.1", self.port or 0))
                break
            except OSError:
                time.sleep(0.1)
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _reset_all(self):
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.mode == "stall":
                with self._lock:
                    self._pairs.append((client,))
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=3)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        peers = {a: b, b: a}
        try:
            while not self._closed:
                if self.mode == "stall":
                    time.sleep(0.05)
                    continue
                readable, _, _ = select.select([a, b], [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError("closed")
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.close()
