"""A LibreOffice that hangs is killed and restarted, then reported; perfgen never waits forever."""

import sys
import time

import pytest

from perfgen import office


def test_hung_worker_is_killed_and_reported(tmp_path, monkeypatch):
    hung = tmp_path / "hung_worker.py"
    hung.write_text("import time\ntime.sleep(120)\n", encoding="utf-8")
    monkeypatch.setattr(office, "WORKER", hung)
    monkeypatch.setattr(office, "uno_python", lambda: sys.executable)
    monkeypatch.setattr(office, "REQUEST_TIMEOUT", 0.5)
    started = time.monotonic()
    with office.Office() as session, pytest.raises(office.OfficeError):
        session.lay_out(tmp_path / "x.docx", [("_Toc000001", "第一部分")])
    assert time.monotonic() - started < 10  # two attempts of 0.5 s, then the error
