"""The divergence register is well formed and every rule it names exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from wacht_mock import all_rules

REGISTER = Path(__file__).resolve().parents[1] / "contracts" / "divergences.yaml"
KINDS = {"deliberate", "upstream-spec-error", "upstream-sdk-bug"}


def test_register_entries_are_complete_and_name_real_rules() -> None:
    data = yaml.safe_load(REGISTER.read_text())
    entries = data["divergences"] + data["assumptions"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    known = {r.id for r in all_rules()}
    for entry in data["divergences"]:
        assert entry["kind"] in KINDS, entry["id"]
        assert {"what", "production", "mock", "evidence"} <= entry.keys(), entry["id"]
    for entry in entries:
        if "rule" in entry:
            assert entry["rule"] in known, entry["id"]
