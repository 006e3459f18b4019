"""The card agent's HTTP client to the redangel service (the agent never touches the database)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from card_reader.errors import CardError


@dataclass(frozen=True)
class Started:
    """What the service answers when an issuance starts."""

    issuance_id: str
    serial: str
    payload: bytes
    puk: str


class CardService(Protocol):
    """What the office and kiosk flows need from the service."""

    def start_issuance(self, person_id: str, card_public_key: bytes) -> Started: ...
    def confirm_issuance(self, issuance_id: str, payload_sha256: str) -> dict[str, Any]: ...
    def confirm_by_serial(self, serial: str, payload_sha256: str) -> dict[str, Any]: ...
    def issuer_keys(self) -> dict[str, bytes]: ...
    def revocations(self) -> bytes: ...
    def challenge(self) -> tuple[str, bytes]: ...
    def open_session(self, payload: bytes, challenge_id: str, signature: bytes) -> dict[str, Any]: ...
    def pin_verified(self) -> None: ...
    def end_session(self) -> None: ...


class HttpCardService:
    """CardService over the REST API, with the office's or the kiosk's bearer token."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.client.request(method, f"/api/v1{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise CardError("service_error", detail=str(exc)) from exc
        if answer.status_code >= 400:
            try:
                body = answer.json()
            except ValueError:
                body = {}
            code = body.get("code", "")
            if code.startswith(("card_", "challenge_")):
                raise CardError(code if code != "challenge_invalid" else "card_error")
            raise CardError("service_error", detail=body.get("title", answer.status_code))
        return answer

    def start_issuance(self, person_id: str, card_public_key: bytes) -> Started:
        body = self._call("POST", "/cards/issuances", json={
            "person_id": person_id, "card_public_key": base64.b64encode(card_public_key).decode()}).json()
        return Started(body["issuance_id"], body["serial"], base64.b64decode(body["payload"]), body["puk"])

    def confirm_issuance(self, issuance_id: str, payload_sha256: str) -> dict[str, Any]:
        answer = self._call("POST", f"/cards/issuances/{issuance_id}/confirm",
                            json={"payload_sha256": payload_sha256})
        result: dict[str, Any] = answer.json()
        return result

    def confirm_by_serial(self, serial: str, payload_sha256: str) -> dict[str, Any]:
        answer = self._call("POST", f"/cards/{serial}/confirm", json={"payload_sha256": payload_sha256})
        result: dict[str, Any] = answer.json()
        return result

    def issuer_keys(self) -> dict[str, bytes]:
        keys = self._call("GET", "/cards/issuer-keys").json()["keys"]
        return {k["kid"]: base64.b64decode(k["public_key"]) for k in keys}

    def revocations(self) -> bytes:
        return self._call("GET", "/cards/revocations").content

    def challenge(self) -> tuple[str, bytes]:
        body = self._call("POST", "/kiosk/challenges").json()
        return body["challenge_id"], base64.b64decode(body["challenge"])

    def open_session(self, payload: bytes, challenge_id: str, signature: bytes) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/kiosk/sessions", json={
            "payload": base64.b64encode(payload).decode(), "challenge_id": challenge_id,
            "signature": base64.b64encode(signature).decode()}).json()
        return result

    def pin_verified(self) -> None:
        self._call("POST", "/kiosk/sessions/current/pin-verified")

    def end_session(self) -> None:
        self._call("DELETE", "/kiosk/sessions/device-current")
