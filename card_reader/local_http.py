"""A tiny JSON API on loopback, through which the page in the desk's or kiosk's browser reaches
the card agent beside the reader.

Why local HTTP: the browser cannot talk to a card reader, and a PIN typed on the kiosk's screen
must reach the chip without crossing the network. The agent answers only on 127.0.0.1, only to
the one origin it serves (the redangel service's pages: checked on every request, CORS allowed
for that origin alone), only JSON bodies (so a plain cross-site form cannot post to it), and
bodies of a few kilobytes at most. Standard library only: the agent stays small.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Handler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
MAX_BODY = 4096


def origin_of(url: str) -> str:
    """`scheme://host:port` of an address (what browsers send as Origin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class LocalApi:
    """Routes `(method, path) -> handler(body) -> (status, json)` served on loopback."""

    def __init__(self, *, allowed_origin: str, routes: dict[tuple[str, str], Handler],
                 host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the card agent listens on loopback only")
        self.allowed_origin = origin_of(allowed_origin)
        self.routes = routes
        api = self

        class _Request(BaseHTTPRequestHandler):
            server_version = "redangel-card"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the agent's requests carry PINs and are not logged."""

            def _send(self, status: int, body: dict[str, Any] | None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                origin = self.headers.get("Origin", "")
                if origin == api.allowed_origin:
                    self.send_header("Access-Control-Allow-Origin", origin)
                    self.send_header("Vary", "Origin")
                self.send_header("Cache-Control", "no-store")
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_OPTIONS(self) -> None:
                if self.headers.get("Origin", "") != api.allowed_origin:
                    self._send(403, {"error": "origin"})
                    return
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", api.allowed_origin)
                self.send_header("Access-Control-Allow-Methods", "GET, POST")
                self.send_header("Access-Control-Allow-Headers", "Content-Type")
                self.send_header("Access-Control-Allow-Private-Network", "true")
                self.send_header("Access-Control-Max-Age", "600")
                self.send_header("Vary", "Origin")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _handle(self, method: str) -> None:
                if self.headers.get("Origin", "") != api.allowed_origin:
                    self._send(403, {"error": "origin"})
                    return
                handler = api.routes.get((method, urlsplit(self.path).path))
                if handler is None:
                    self._send(404, {"error": "not_found"})
                    return
                body: dict[str, Any] = {}
                if method == "POST":
                    if not self.headers.get("Content-Type", "").startswith("application/json"):
                        self._send(415, {"error": "json_required"})
                        return
                    length = self.headers.get("Content-Length", "0")
                    if not length.isdigit() or int(length) > MAX_BODY:
                        self._send(413, {"error": "too_large"})
                        return
                    try:
                        parsed = json.loads(self.rfile.read(int(length)) or b"{}")
                    except ValueError:
                        self._send(400, {"error": "json_invalid"})
                        return
                    if not isinstance(parsed, dict):
                        self._send(400, {"error": "json_invalid"})
                        return
                    body = parsed
                status, answer = handler(body)
                self._send(status, answer)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self._server = ThreadingHTTPServer((host, port), _Request)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the API answers, e.g. http://127.0.0.1:8790."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalApi:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="card-agent-http")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until `stop`."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
