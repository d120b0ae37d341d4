"""HTTP servers for the tests: a frozen site (or any handler) on 127.0.0.1, on a free port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer


class SiteHandler(SimpleHTTPRequestHandler):
    """The folder ``server.root`` as a static host; with ``server.cors``, the header
    docs/api.md and docs/embed.md ask for; with ``server.not_found``, an unknown address
    answered with its edition's 404.html (``/<lang>/404.html`` under ``/<lang>/``), as
    docs/serving.md asks; every request noted in ``server.requests``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(args[2].root), **kwargs)

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Origin")))
        super().do_GET()

    def send_error(self, code, message=None, explain=None):
        if code != 404 or not getattr(self.server, "not_found", False):
            return super().send_error(code, message, explain)
        first = self.path.lstrip("/").split("/", 1)[0]
        edition = self.server.root / first
        page = (edition if first and (edition / "404.html").is_file()
                else self.server.root) / "404.html"
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def end_headers(self):
        if self.server.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextmanager
def serving(handler=SiteHandler, **attributes) -> Iterator[tuple[str, ThreadingHTTPServer]]:
    """Serve with ``handler`` (``attributes`` set on the server) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests, server.cors = [], False
    for name, value in attributes.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Receiver(ThreadingHTTPServer):
    """Records every POST; answers each status of ``answers`` first, then 200. While
    ``open`` is cleared, a POST is recorded but not answered (a slow receiver)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        self.open = threading.Event()
        self.open.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/secret-token"

    def bodies(self) -> list[dict]:
        return [r["body"] for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests.append({"path": self.path, "headers": dict(self.headers),
                                         "body": body})
            code = self.server.answers.pop(0) if self.server.answers else 200
        self.server.open.wait()
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for(condition, timeout: float, what: str):
    """``condition()``'s first true value, looked at every 50 ms; an AssertionError naming
    ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
