"""A data steward in chromium: imports the three sample rolls through the page, reviews a pair
with the keyboard alone, merges, and reads the quality report; axe finds nothing on the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from redangel.auth import service as auth
from tests.builders import PASSWORD
from tests.conftest import unique_suffix
from tests.web.a11y import violations

DATA = Path(__file__).resolve().parents[1] / "rolls" / "data"
ROLLS = (("iaam_pension.csv", "pension_adultos_mayores"), ("dif_madres.csv", "apoyo_madres_solas"),
         ("sedeso_comedores.xlsx", "comedores_comunitarios"))


def test_steward_imports_three_rolls_reviews_and_reads_the_report(  # type: ignore[no-untyped-def]
        page: Any, world, sessions, screenshot) -> None:
    name = f"steward-{unique_suffix()}"
    with sessions() as session:
        auth.create_user(session, username=name, password=PASSWORD, role="steward",
                         display_name="steward", office_id=None)
        session.commit()
    page.goto("/office/login")
    page.get_by_label("Usuario").fill(name)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r".*/office/rolls$"))
    assert violations(page) == []
    reviewed = 0
    for file_name, program in ROLLS:
        page.goto("/office/rolls")
        page.set_input_files("#roll-file", str(DATA / file_name))
        page.select_option("#roll-program", program)
        page.fill("#roll-mapping", (DATA / (Path(file_name).stem + ".yaml")).read_text())
        page.get_by_role("button", name="Revisar el archivo y ver la vista previa").click()
        page.wait_for_selector("#preview")
        assert violations(page) == []
        screenshot(page, f"rolls-preview-{file_name}")
        page.get_by_role("button", name="Iniciar la importación").click()
        page.wait_for_selector("#roll-summary", timeout=60_000)
        if page.locator("#go-review").count():
            page.locator("#go-review").click()
            page.wait_for_selector("#decide-form")
            assert violations(page) == []
            screenshot(page, f"rolls-review-{file_name}")
            while page.locator("#decide-form").count():
                assert page.evaluate("document.activeElement.id") == "decide-same"
                with page.expect_navigation():  # the decision is posted: wait for the next page
                    page.keyboard.press("s")  # the keyboard alone: S, same person
                reviewed += 1
            page.get_by_role("link", name="Volver a la importación").click()
        page.get_by_role("button", name="Integrar al registro").click()
        page.wait_for_selector("#report-counts")
        assert "Abajo se da cuenta de cada fila." in page.text_content("#report-counts")
        assert page.locator("svg.chart").count() == 3
        assert violations(page) == []
        screenshot(page, f"rolls-report-{file_name}")
    assert reviewed >= 1
