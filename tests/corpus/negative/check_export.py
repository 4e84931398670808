import json

import pytest


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home" / "ana"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def test_export_writes_relative_paths(fake_home, tmp_path):
    out = tmp_path / "export.json"
    out.write_text(json.dumps({"model": "models/best.pt", "data": "data/val.csv"}))
    payload = json.loads(out.read_text())
    assert payload["model"].startswith("models/")
    assert not payload["data"].startswith("/")
