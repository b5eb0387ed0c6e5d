"""The committed built-in (and test) templates are exactly what tools/make_templates.py writes."""

import importlib.util

from conftest import ROOT

spec = importlib.util.spec_from_file_location("make_templates", ROOT / "tools" / "make_templates.py")
make_templates = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_templates)


def test_committed_templates_are_up_to_date(tmp_path):
    for directory, files in make_templates.TEMPLATES.items():
        for name, make in files.items():
            fresh = tmp_path / directory / name
            make_templates.save(make(), fresh)
            committed = ROOT / directory / name
            assert fresh.read_bytes() == committed.read_bytes(), f"run `make templates` to regenerate {committed}"
