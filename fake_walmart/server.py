"""HTTP plumbing: one threaded HTTP/1.1 server per environment, each request captured as a ReceivedRequest.

What to answer is not decided here: every request goes to a Respond callable, which returns the answer and how
long to hold it before sending (latency, queued delays). Stopping drops held answers instead of waiting them out.
"""
from __future__ import annotations

import base64
import binascii
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fake_walmart.answers import Answer

Credentials = tuple[str, str]  # (client_id, client_secret) from a Basic Authorization header


@dataclass(frozen=True)
class ReceivedRequest:
    environment: str
    method: str
    path: str
    query: dict
    headers: dict
    body: str
    form: dict
    client_id: str | None
    received_at: float

    def header(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), default)


Respond = Callable[[ReceivedRequest, Credentials | None], tuple[Answer, float]]


def first_values(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}


def parse_basic(value: str | None) -> Credentials | None:
    if not value:
        return None
    scheme, _, encoded = value.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


class EnvironmentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], environment: str, respond: Respond, stopping: threading.Event):
        self.environment, self.respond, self.stopping = environment, respond, stopping
        self.workers: list[threading.Thread] = []
        self.connections: set[Any] = set()
        self._resets: set[Any] = set()
        self._workers_lock = threading.Lock()
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        # Tracked so stop() can wait for in-flight answers instead of leaving threads behind.
        worker = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        with self._workers_lock:
            self.workers = [w for w in self.workers if w.is_alive()] + [worker]
            self.connections.add(request)
        worker.start()

    def shutdown_request(self, request: Any) -> None:
        with self._workers_lock:
            self.connections.discard(request)
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            # SO_LINGER 0 and no FIN first: closing sends a TCP reset, as a dropped connection does.
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_request(request)
            return
        super().shutdown_request(request)

    def reset_on_close(self, request: Any) -> None:
        with self._workers_lock:
            self._resets.add(request)

    def drop_connections(self) -> None:
        """Wake handlers idling on a kept-alive connection so they exit now."""
        with self._workers_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and hang up are expected in tests


class _Handler(BaseHTTPRequestHandler):
    server: EnvironmentServer
    protocol_version = "HTTP/1.1"  # keep-alive, like Walmart's gateway: a client's pooled connections are reused
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't let Nagle hold the second
    timeout = 10  # a client that connects and never sends must not pin a thread forever
    server_version = "FakeWalmart/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        request, basic = self._capture(self._read_body())
        answer, hold = self.server.respond(request, basic)
        if self.server.stopping.wait(hold):
            self.close_connection = True
            return  # shutting down: drop the answer rather than hold up stop()
        try:
            self._send(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during a queued delay)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _capture(self, raw_body: bytes) -> tuple[ReceivedRequest, Credentials | None]:
        url = urlsplit(self.path)
        text = raw_body.decode("utf-8", errors="replace")
        is_form = self.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
        basic = parse_basic(self.headers.get("Authorization"))
        request = ReceivedRequest(
            environment=self.server.environment, method=self.command, path=url.path, query=first_values(url.query),
            headers=dict(self.headers.items()), body=text, form=first_values(text) if is_form else {},
            client_id=basic[0] if basic else None, received_at=time.time(),
        )
        return request, basic

    def _send(self, answer: Answer) -> None:
        if answer.reset:
            self.close_connection = True
            self.server.reset_on_close(self.request)
            return
        if answer.drip > 0:
            self._drip(answer)
            return
        self.send_response(answer.status)
        if not any(k.lower() == "content-length" for k in answer.headers):
            self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command == "HEAD":
            return
        if answer.stream is not None:
            self.close_connection = True  # a client that stops reading early leaves the rest unread
            for chunk in answer.stream:
                if self.server.stopping.is_set():
                    return
                self.wfile.write(chunk)
        elif answer.body:
            self.wfile.write(answer.body)

    def _drip(self, answer: Answer) -> None:
        """The whole answer, status line and headers included, one byte per `answer.drip` seconds."""
        self.close_connection = True
        reason = self.responses.get(answer.status, ("",))[0]
        head = [f"HTTP/1.1 {answer.status} {reason}"]
        head += [f"{name}: {value}" for name, value in answer.headers.items() if name.lower() != "content-length"]
        head.append(f"Content-Length: {len(answer.body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body
        for index in range(len(raw)):
            self.wfile.write(raw[index:index + 1])
            if self.server.stopping.wait(answer.drip):
                return


class Servers:
    """The HTTP servers of all environments, each on its own thread. They can be stopped and started again."""

    def __init__(self, host: str, ports: dict[str, int], respond: Respond):
        self._host, self._ports, self._respond = host, ports, respond
        self._lock = threading.Lock()
        self._servers: dict[str, EnvironmentServer] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._servers:
                return
            self._stopping.clear()
            try:
                for env, port in self._ports.items():
                    self._servers[env] = EnvironmentServer((self._host, port), env, self._respond, self._stopping)
            except OSError:
                for server in self._servers.values():
                    server.server_close()
                self._servers = {}
                raise
            for env, server in self._servers.items():
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                          name=f"fake-walmart-{env}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, {}
            threads, self._threads = self._threads, []
        if not servers:
            return
        self._stopping.set()  # wakes handlers sleeping on latency or a queued delay
        # shutdown() waits out a poll interval; do all servers at once so teardown stays fast.
        closers = [threading.Thread(target=s.shutdown) for s in servers.values()]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()
        for server in servers.values():
            server.server_close()
            server.drop_connections()
        deadline = time.monotonic() + 5
        for thread in threads + [w for s in servers.values() for w in s.workers]:
            thread.join(max(0.0, deadline - time.monotonic()))

    def base_url(self, environment: str) -> str:
        with self._lock:
            server = self._servers.get(environment)
            if server is None:
                raise RuntimeError("FakeWalmart is not running; call start() first")
            return server.url
