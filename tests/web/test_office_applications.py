"""Following an application to its end: documents recorded, the decision taken by a supervisor
who did not submit it (the clerk is told in words why they cannot), the benefit moved."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from redangel.audit.models import AuditEvent
from redangel.program.models import Enrollment
from tests.builders import born_in, person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser

ONLY_SUPERVISORS = ("Solo la supervisora o el supervisor de la oficina, o la dependencia dueña "
                    "del programa, puede decidir solicitudes y cambiar inscripciones.")


def apply(client: httpx.Client) -> dict[str, Any]:
    """A new person of the office and their application for free medical services (two
    documents on its checklist), submitted by whoever `client` is."""
    person = client.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1975)))
    assert person.status_code == 201, person.text
    answer = client.post("/applications", json={"person_id": person.json()["id"],
                                                "program": "servicios_medicos_gratuitos"})
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "name": person.json()["given_names"]}


class TestFollowingAnApplication:
    def test_the_clerk_records_documents_and_cannot_decide(  # type: ignore[no-untyped-def]
            self, page, world, clerk: httpx.Client, sessions, screenshot) -> None:
        app = apply(clerk)
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{app['person_id']}?purpose=follow_up")
        page.get_by_role("link", name=app["folio"]).click()
        page.wait_for_url(f"**/office/applications/{app['folio']}")
        assert page.locator("#transitions").inner_text().endswith("Recibida (por usted)")
        assert page.locator("#refusal").inner_text() == ONLY_SUPERVISORS
        assert page.locator("#form-decision").count() == 0
        docs = page.locator("#form-documents")
        docs.get_by_role("button", name="Registrar los documentos recibidos").click()
        assert page.locator("#received-error").inner_text() == (
            "marque los documentos que la persona trajo")
        page.locator("#form-documents").get_by_label("Comprobante de domicilio reciente").check()
        page.get_by_role("button", name="Registrar los documentos recibidos").click()
        page.get_by_text("Guardado: los documentos quedaron marcados como recibidos.").wait_for()
        received = clerk.get(f"/applications/{app['folio']}").json()["documents"]
        assert [d["received"] for d in received] == [False, True]
        assert "Documentos recibidos" in page.locator("#transitions").inner_text()
        screenshot(page, "office-application-clerk")
        assert violations(page) == []
        # The form is not offered; a decision sent anyway is refused by the service, in words.
        token = page.locator("[name=csrf_token]").first.input_value()
        version = page.locator("#form-documents [name=version]").input_value()
        sent_at = datetime.now(UTC)
        answer = page.request.post(f"/office/applications/{app['folio']}/decision", form={
            "csrf_token": token, "version": version, "to": "approved", "reason": "Cumple"})
        assert answer.status == 403 and ONLY_SUPERVISORS in answer.text()
        assert clerk.get(f"/applications/{app['folio']}").json()["status"] == "submitted"
        denied: list[str] = []
        for _ in range(50):  # the refused attempt is audited, as on the API (off the event loop)
            with sessions() as session:
                denied = list(session.scalars(select(AuditEvent.outcome).where(
                    AuditEvent.at >= sent_at, AuditEvent.actor_role == "clerk",
                    AuditEvent.action.startswith("denied:POST /office/applications/"))).all())
            if denied:
                break
            time.sleep(0.1)
        assert denied == ["decision_role"]

    def test_the_supervisor_decides_what_the_clerk_submitted(  # type: ignore[no-untyped-def]
            self, page, world, clerk: httpx.Client, screenshot) -> None:
        app = apply(clerk)
        sign_in(page, world.supervisor, world.password)
        page.goto(f"/office/applications/{app['folio']}")
        form = page.locator("#form-decision")
        form.get_by_label("Rechazar").check()
        form.get_by_role("button", name="Registrar la resolución").click()
        assert page.locator("#reason-error").inner_text() == (
            "indique el motivo, en palabras que la persona solicitante pueda entender")
        assert page.locator("#form-decision").get_by_label("Rechazar").is_checked()
        screenshot(page, "office-application-refused-reason")
        assert violations(page) == []  # the form with its error shown
        form = page.locator("#form-decision")
        form.get_by_label("Aprobar: la persona queda inscrita").check()
        form.get_by_label("Motivo que leerá la persona").fill(
            "Usted no tiene seguridad social y vive en la ciudad.")
        form.get_by_role("button", name="Registrar la resolución").click()
        page.get_by_text("Guardado: la solicitud quedó aprobada y la persona inscrita.").wait_for()
        assert page.locator("#status").inner_text() == "Aprobada"
        # A decided application lists its documents; no checkbox is left without a button.
        assert page.locator("#form-documents").count() == 0
        assert page.get_by_role("checkbox").count() == 0
        assert " — " in page.locator("#documents").inner_text()
        history = page.locator("#transitions").inner_text()
        assert re.search(r"— Recibida\n.*— Puesta en revisión \(por usted\)\n"
                         r".*— Aprobada \(por usted\): Usted no tiene", history)
        screenshot(page, "office-application-approved")
        assert violations(page) == []
        shown = clerk.get(f"/applications/{app['folio']}").json()
        assert shown["status"] == "approved" and shown["decision_reason"].startswith("Usted no")
        # The benefit: suspended with a reason, reactivated, then ended.
        page.get_by_role("link", name="Ver la inscripción").click()
        page.locator("#form-suspend").get_by_role("button", name="Suspender").click()
        assert page.locator("#suspend-reason-error").inner_text() == (
            "Elija el motivo; la persona y la dependencia lo verán.")
        page.locator("#form-suspend").get_by_label("Por qué se suspende").select_option(
            "documents_missing")
        page.locator("#form-suspend").get_by_role("button", name="Suspender").click()
        page.get_by_text("Guardado: el apoyo quedó suspendido.").wait_for()
        page.get_by_role("button", name="Reactivar").click()
        page.get_by_text("Guardado: el apoyo está activo de nuevo.").wait_for()
        form = page.locator("#form-exit")
        form.get_by_label("Por qué termina").select_option("voluntary")
        form.get_by_role("button", name="Terminar el apoyo").click()
        page.get_by_text("Guardado: el apoyo terminó.").wait_for()
        assert page.locator("#status").inner_text() == "Terminada"
        screenshot(page, "office-enrollment")
        assert violations(page) == []

    def test_a_supervisor_cannot_decide_what_they_submitted(  # type: ignore[no-untyped-def]
            self, page, world, supervisor: httpx.Client) -> None:
        app = apply(supervisor)
        sign_in(page, world.supervisor, world.password)
        page.goto(f"/office/applications/{app['folio']}")
        assert page.locator("#refusal").inner_text() == (
            "Usted registró esta solicitud; otra persona debe decidirla.")
        assert page.locator("#form-decision").count() == 0

    def test_a_double_submitted_decision_applies_once(  # type: ignore[no-untyped-def]
            self, page, world, clerk: httpx.Client, sessions) -> None:
        app = apply(clerk)
        sign_in(page, world.supervisor, world.password)
        page.goto(f"/office/applications/{app['folio']}")
        form = page.locator("#form-decision")
        body = {"csrf_token": form.locator("[name=csrf_token]").input_value(),
                "version": form.locator("[name=version]").input_value(),
                "to": "approved", "reason": "Cumple los requisitos."}
        url = f"/office/applications/{app['folio']}/decision"
        answers = [page.request.post(url, form=body, max_redirects=0) for _ in range(2)]
        assert [a.status for a in answers] == [303, 303]
        with sessions() as session:
            enrolled = session.scalar(select(func.count()).select_from(Enrollment).where(
                Enrollment.person_id == uuid.UUID(app["person_id"])))
        assert enrolled == 1
