"""A LibreOffice that hangs is killed and reported, one that dies restarted once; perfgen never waits
forever, and says so in Chinese."""

import sys
import time

import pytest

from perfgen.errors import OfficeError
from perfgen.office import office


def test_hung_worker_is_killed_and_reported(tmp_path, monkeypatch):
    hung = tmp_path / "hung_worker.py"
    hung.write_text("import time\ntime.sleep(120)\n", encoding="utf-8")
    monkeypatch.setattr(office, "WORKER", hung)
    monkeypatch.setattr(office, "uno_python", lambda: sys.executable)
    monkeypatch.setattr(office, "REQUEST_TIMEOUT", 0.5)
    started = time.monotonic()
    with office.Office() as session, pytest.raises(OfficeError) as exc:
        session.lay_out(tmp_path / "x.docx", [("_Toc000001", "第一部分")])
    assert time.monotonic() - started < 10  # killed after 0.5 s, and not tried again: it would hang again
    assert "秒内没有排完这个文档" in str(exc.value)


def test_a_worker_that_dies_is_restarted_once_then_said_in_chinese(tmp_path, monkeypatch):
    dead = tmp_path / "dead_worker.py"
    dead.write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    monkeypatch.setattr(office, "WORKER", dead)
    monkeypatch.setattr(office, "uno_python", lambda: sys.executable)
    with office.Office() as session, pytest.raises(OfficeError) as exc:
        session.lay_out(tmp_path / "x.docx", [("_Toc000001", "第一部分")])
    assert "LibreOffice 意外退出" in str(exc.value)
