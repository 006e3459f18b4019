"""Progress bars: drawn on a terminal, silent when quiet (`redangel -q`) or when standard error
is not a terminal (scripts, logs), counting the same either way."""

from __future__ import annotations

import sys

import pytest

from redangel.cli import progress


def test_a_bar_is_drawn_on_a_terminal_only(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with progress.progress("Loading persons", total=10) as bar:
        bar.advance(10)
    assert capsys.readouterr().err == ""

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress.progress("Loading persons", total=10) as bar:
        bar.advance(4)
        bar.advance(6)
    drawn = capsys.readouterr().err
    assert "Loading persons" in drawn and "10/10" in drawn

    progress.set_quiet(True)
    try:
        with progress.progress("Loading persons", total=10) as bar:
            bar.advance(10)
        assert capsys.readouterr().err == ""
    finally:
        progress.set_quiet(False)
