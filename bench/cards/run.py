"""Card figures through the whole stack: pyscard → pcscd → vpcd → the virtual card.

    .venv/bin/python bench/cards/run.py [--cards 30]

Prints: APDUs and milliseconds to personalize a card and to verify one (read back, issuer
signature, challenge–response); tap-to-session at a kiosk with the in-process fake service
(target ≤ 300 ms), split into pcscd noticing the card and the agent's own work; revocation
checks against 1,000,000 revoked serials (target ≤ 1 ms each) and the list's size. Reuses a
running pcscd or starts one with scripts/pcsc-env.sh (and stops only that one). Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from card_reader import apdu, pcsc  # noqa: E402
from card_reader.connection import Card  # noqa: E402
from card_reader.issue import issue_card  # noqa: E402
from card_reader.kiosk import TrustStore, tap  # noqa: E402
from card_reader.virtual_card import Applet, VirtualCard  # noqa: E402
from redangel.card import format as card_format  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from tests.card_reader.fake_service import FakeService  # noqa: E402

PORT = int(os.environ.get("REDANGEL_TEST_VPCD_PORT", "35963"))
READER = {35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01"}[PORT]


def ms(values: list[float]) -> str:
    """Median and 95th percentile in milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def ensure_pcscd() -> int | None:
    """Reuse a running pcscd or start one; the PID started, if any."""
    try:
        if READER in pcsc.list_readers():
            return None
    except Exception:
        pass
    out = subprocess.run([str(ROOT / "scripts" / "pcsc-env.sh")], capture_output=True, text=True,
                         check=True).stdout.strip()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if READER in pcsc.list_readers():
                break
        except Exception:
            time.sleep(0.05)
    return int(out) if out else None


def insert(applet: Applet) -> tuple[VirtualCard, float]:
    """Put a card on the reader; seconds until pcscd reports it present."""
    assert pcsc.wait_for_removal(READER, 10)
    card = VirtualCard(applet, port=PORT)
    started = time.perf_counter()
    card.insert()
    with pcsc.Context() as context:
        assert context.wait(READER, present=True, timeout=10)
    return card, time.perf_counter() - started


def personalize(count: int, service: FakeService) -> list[Applet]:
    """Issue `count` cards; print APDUs and times."""
    times, verify_times, apdus, applets = [], [], 0, []
    keys = {kid: key.public_key() for kid, key in service.keys.items()}
    for _ in range(count):
        card, _ = insert(Applet())
        with pcsc.wait_for_card(READER, 5, exclusive=True) as connection:
            started = time.perf_counter()
            issued = issue_card(connection, service, person_id=str(uuid.uuid4()), pin="2468")
            times.append(time.perf_counter() - started)
            apdus = issued.apdus
            reader = Card(connection)
            started = time.perf_counter()
            reader.select()
            payload = card_format.verify_payload(reader.read_payload(), keys, city_today())
            challenge = os.urandom(32)
            assert card_format.verify_challenge(payload.card_public_key, challenge,
                                                reader.run(apdu.internal_authenticate(challenge)))
            verify_times.append(time.perf_counter() - started)
        card.remove()
        applets.append(card.applet)
    print(f"personalize ({count} cards): {apdus} APDUs, {ms(times)} (incl. in-process service)")
    print(f"verify a card: 3 APDUs, {ms(verify_times)} (SELECT, READ BINARY, INTERNAL AUTHENTICATE)")
    return applets


def taps(applets: list[Applet], service: FakeService) -> None:
    """Tap each card at a kiosk; print detection and agent times."""
    trust = TrustStore()
    trust.refresh(service)
    detect, agent, total = [], [], []
    jitter = random.Random(3)
    for applet in applets:
        assert pcsc.wait_for_removal(READER, 10)
        time.sleep(jitter.uniform(0, 0.4))  # a citizen taps at any moment of vpcd's poll cycle
        card, seen = insert(applet)
        started = time.perf_counter()
        with pcsc.wait_for_card(READER, 5) as connection:
            result = tap(connection, service, trust)
        assert result.session is not None
        elapsed = time.perf_counter() - started
        detect.append(seen)
        agent.append(elapsed)
        total.append(seen + elapsed)
        card.remove()
    print(f"tap → session, agent (connect + {result.apdus} APDUs + checks + service): {ms(agent)}")
    print(f"tap → session, card placed → pcscd notices (vpcd polls every 400 ms): {ms(detect)}")
    print(f"tap → session, end to end through vpcd: {ms(total)} (target ≤ 300 ms)")


def revocations() -> None:
    """One million revoked serials: size, load time, time per check."""
    key = Ed25519PrivateKey.generate()
    serials = random.Random(1).sample(range(card_format.MAX_SERIAL), 1_000_000)
    started = time.perf_counter()
    blob = card_format.sign_revocations(serials, sequence=1, issued_at=datetime.now(UTC), kid="k1",
                                        key=key)
    built = time.perf_counter() - started
    started = time.perf_counter()
    listing = card_format.verify_revocations(blob, {"k1": key.public_key()})
    loaded = time.perf_counter() - started
    probes = serials[:50_000] + random.Random(2).sample(range(card_format.MAX_SERIAL), 50_000)
    started = time.perf_counter()
    for serial in probes:
        listing.is_revoked(serial)
    per_check = (time.perf_counter() - started) / len(probes)
    print(f"revocation list: 1,000,000 serials = {len(blob):,} bytes; signed in {built:.2f} s, "
          f"verified and loaded in {loaded:.2f} s; {per_check * 1e6:.1f} µs per check "
          f"(target ≤ 1000 µs)")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=30)
    args = parser.parse_args()
    started_pid = ensure_pcscd()
    try:
        service = FakeService()
        applets = personalize(args.cards, service)
        taps(applets, service)
    finally:
        if started_pid is not None:
            os.kill(started_pid, signal.SIGTERM)
    revocations()


if __name__ == "__main__":
    main()
