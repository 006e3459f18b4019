"""Card benchmark through the whole stack: pyscard → pcscd → vpcd → the virtual card, and the
service over HTTP.

    .venv/bin/python bench/cards/run.py

Prints: APDUs and milliseconds to personalize a card (issue flow incl. the service calls);
tap-to-session at a kiosk (offline checks, challenge–response, session opened); revocation
checks against a list of 1,000,000 revoked serials and the list's size. Needs pcscd running
with vpcd (scripts/test installs both). Not a test.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from card_reader import pcsc  # noqa: E402
from card_reader.issue import issue_card  # noqa: E402
from card_reader.kiosk import TrustStore, tap  # noqa: E402
from card_reader.service_client import HttpCardService  # noqa: E402
from card_reader.virtual_card import VirtualCard  # noqa: E402
from redangel.card import signing  # noqa: E402

READER = "Virtual PCD 00 00"


def revocation_figures() -> None:
    key = Ed25519PrivateKey.generate()
    serials = random.Random(1).sample(range(10**15), 1_000_000)
    started = time.perf_counter()
    blob = signing.sign_revocations(serials, sequence=1, issued_at=datetime.now(UTC), kid="k1", key=key)
    built = time.perf_counter() - started
    started = time.perf_counter()
    listing = signing.verify_revocations(blob, {"k1": key.public_key()})
    loaded = time.perf_counter() - started
    probes = serials[:50_000] + random.Random(2).sample(range(10**15), 50_000)
    started = time.perf_counter()
    for serial in probes:
        listing.is_revoked(serial)
    per_check = (time.perf_counter() - started) / len(probes) * 1000
    print(f"revocation list: 1,000,000 serials, {len(blob):,} bytes; built {built:.2f} s, "
          f"verified and loaded {loaded:.2f} s; check {per_check * 1000:.1f} µs per serial")


def main() -> None:
    revocation_figures()
    work = Path(tempfile.mkdtemp(prefix="redangel-bench-cards-"))
    env = dict(os.environ, REDANGEL_DATABASE_URL=f"sqlite:///{work / 'cards.db'}",
               REDANGEL_DATA_DIR=str(work), REDANGEL_PROJECT_DIR=str(ROOT),
               REDANGEL_RATE_LIMIT_CARD_PER_MINUTE="100000")
    cli = [sys.executable, "-m", "redangel.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    seeded = subprocess.run([*cli, "demo", "seed", "--persons", "100"], env=env, check=True,
                            capture_output=True, text=True).stdout
    kiosk_token = next(line.split()[-1] for line in seeded.splitlines() if "kiosk device token" in line)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "redangel.main:create_app",
                               "--factory", "--port", "8792", "--log-level", "warning"], env=env)
    card = VirtualCard()
    try:
        base = "http://127.0.0.1:8792"
        for _ in range(100):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        clerk = httpx.Client(base_url=base, timeout=30)
        token = clerk.post("/api/v1/auth/login", json={"username": "clerk",
                           "password": "demo-redangel-2026"}).json()["session_token"]
        clerk.headers["Authorization"] = f"Bearer {token}"
        people = clerk.post("/api/v1/persons/search", json={"borough": "iztapalapa", "limit": 20}).json()
        office = HttpCardService(clerk)
        kiosk = HttpCardService(httpx.Client(base_url=base, timeout=30,
                                             headers={"Authorization": f"Bearer {kiosk_token}"}))
        issue_ms, apdus, tap_ms = [], [], []
        for person in people["items"][:10]:
            pcsc.wait_for_removal(READER, 10)
            card = VirtualCard()
            card.insert()
            connection = pcsc.wait_for_card(READER, 10)
            started = time.perf_counter()
            issued = issue_card(connection, office, person_id=person["id"], pin="2468")
            issue_ms.append((time.perf_counter() - started) * 1000)
            apdus.append(issued.apdus)
            trust = TrustStore()
            trust.refresh(kiosk)
            started = time.perf_counter()
            tap(connection, kiosk, trust)
            tap_ms.append((time.perf_counter() - started) * 1000)
            connection.close()
            card.remove()
        print(f"personalize a card: {statistics.median(apdus):.0f} APDUs, median "
              f"{statistics.median(issue_ms):.1f} ms (incl. 3 service calls), max {max(issue_ms):.1f} ms")
        print(f"tap to session at the kiosk: median {statistics.median(tap_ms):.1f} ms, "
              f"max {max(tap_ms):.1f} ms (target ≤ 300 ms)")
    finally:
        if card.inserted:
            card.remove()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
