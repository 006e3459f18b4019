"""What the benchmarks share: a real server in a subprocess, and reading wrk's figures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def serve(url: str, *, port: int, workers: int, data_dir: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `uvicorn` on the database at `url` (rate limits lifted) and wait until it answers."""
    # Benchmarks serve on loopback with the published development secrets.
    env = dict(os.environ, REDANGEL_DATABASE_URL=url, REDANGEL_PROJECT_DIR=str(ROOT),
               REDANGEL_ENVIRONMENT=os.environ.get("REDANGEL_ENVIRONMENT", "development"),
               REDANGEL_RATE_LIMIT_SEARCH_PER_MINUTE="10000000",
               REDANGEL_RATE_LIMIT_REQUESTS_PER_MINUTE="10000000",
               REDANGEL_RATE_LIMIT_FOLIO_PER_MINUTE="1000000")
    if data_dir is not None:
        env["REDANGEL_DATA_DIR"] = str(data_dir)
    if os.environ.get("REDANGEL_BENCH_SERVER_SRC"):  # another checkout's server: "before" figures
        source = Path(os.environ["REDANGEL_BENCH_SERVER_SRC"])
        env["PYTHONPATH"] = f"{source / 'src'}:{source}"
        env["REDANGEL_PROJECT_DIR"] = str(source)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "redangel.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         # a loaded, shared machine may keep a busy worker from answering uvicorn's 5 s ping
         "--timeout-worker-healthcheck", "120",
         "--no-access-log"], env=env, cwd=str(ROOT))
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def free_port() -> int:
    """A loopback port nobody listens on now (the machine may be shared)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def milliseconds(text: str) -> float:
    """wrk's latency text (e.g. 12.3ms, 1.2s, 850us) in milliseconds."""
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def wrk_figures(output: str) -> dict[str, float]:
    """p50/p90/p99 (ms), requests per second and non-2xx answers from `wrk --latency`."""
    figures: dict[str, float] = {"errors": 0}
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] in (["50%"], ["90%"], ["99%"]):
            figures["p" + parts[0].rstrip("%")] = milliseconds(parts[1])
        elif line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif "Non-2xx" in line:
            figures["errors"] = float(parts[-1])
    return figures
