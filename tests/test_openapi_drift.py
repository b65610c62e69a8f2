"""Our OpenAPI contract against the vendor's published one: every difference is registered.

contracts/openapi.yaml is written from production's behaviour; the vendor's platform-api.api-auth.json is
read from the shared folder beside the project root (never copied into the repo). Each difference the
comparison in tests/drift.py finds must be named by the `drift` list of an entry in
contracts/divergences.yaml, and each name there must still be a difference.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import drift
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contracts" / "openapi.yaml"
REGISTER = ROOT / "contracts" / "divergences.yaml"
VENDOR = Path(__file__).resolve().parents[2] / "shared" / "upstream" / "platform-api.api-auth.json"


def _contract() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    return data


@pytest.fixture(scope="module")
def vendor() -> dict[str, Any]:
    if not VENDOR.is_file():
        message = f"the vendor's OpenAPI file is not beside this checkout: {VENDOR}"
        if os.environ.get("CI"):  # CI lays shared/ beside the clone: there, a missing file is a failure
            pytest.fail(message)
        pytest.skip(message)
    data: dict[str, Any] = json.loads(VENDOR.read_text())
    return data


def _registered() -> dict[str, str]:
    """difference id -> register entry id."""
    data = yaml.safe_load(REGISTER.read_text())
    out: dict[str, str] = {}
    for entry in data["divergences"]:
        items = entry.get("drift", [])
        assert isinstance(items, list), entry["id"]
        for item in items:
            assert isinstance(item, str), entry["id"]
            assert item not in out, f"{item!r} is registered by both {out[item]} and {entry['id']}"
            out[item] = entry["id"]
    return out


def test_register_drift_entries_are_upstream_spec_errors() -> None:
    data = yaml.safe_load(REGISTER.read_text())
    with_drift = [e for e in data["divergences"] if "drift" in e]
    assert with_drift
    for entry in with_drift:
        assert entry["kind"] == "upstream-spec-error", entry["id"]
        assert entry["drift"], entry["id"]


def test_every_difference_is_registered_and_every_registration_is_current(vendor: dict[str, Any]) -> None:
    found = drift.diff(_contract(), vendor)
    assert len(found) == len(set(found))
    registered = _registered()
    unregistered = [d for d in found if d not in registered]
    stale = sorted(d for d in registered if d not in set(found))
    problems = []
    if unregistered:
        problems.append(
            f"{len(unregistered)} difference(s) between contracts/openapi.yaml and the vendor's OpenAPI are not "
            "named by any `drift` list in contracts/divergences.yaml:\n  " + "\n  ".join(unregistered)
        )
    if stale:
        problems.append(
            f"{len(stale)} registered difference(s) no longer exist:\n  "
            + "\n  ".join(f"{d}  [{registered[d]}]" for d in stale)
        )
    assert not problems, "\n".join(problems)


def test_comparison_is_deterministic(vendor: dict[str, Any]) -> None:
    assert drift.diff(_contract(), vendor) == drift.diff(_contract(), copy.deepcopy(vendor))
    assert drift.diff(vendor, vendor) == []
    assert drift.diff(_contract(), _contract()) == []


def test_comparison_catches_a_removed_response_field(vendor: dict[str, Any]) -> None:
    changed = _contract()
    del changed["components"]["schemas"]["ApiAuthApp"]["properties"]["key_prefix"]
    before = set(drift.diff(_contract(), vendor))
    after = set(drift.diff(changed, vendor))
    new = after - before
    assert "GET /api-auth/apps/{app_slug} 200 field key_prefix (vendor: required string) absent in production" in new
    assert "GET /api-auth/apps 200 field data[].key_prefix (vendor: required string) absent in production" in new


def test_comparison_catches_required_nullable_parameter_and_status_changes(vendor: dict[str, Any]) -> None:
    base = set(drift.diff(_contract(), vendor))
    changed = _contract()
    app = changed["components"]["schemas"]["ApiAuthApp"]
    app["required"].remove("name")
    app["properties"]["app_slug"]["type"] = ["string", "null"]
    changed["paths"]["/api-auth/apps"]["get"]["parameters"] = [
        p for p in changed["paths"]["/api-auth/apps"]["get"]["parameters"] if p["name"] != "search"
    ]
    del changed["paths"]["/api-auth/apps"]["get"]["responses"]["401"]
    new = set(drift.diff(changed, vendor)) - base
    assert {
        "GET /api-auth/apps/{app_slug} 200 field name: production optional string != vendor required string",
        "GET /api-auth/apps/{app_slug} 200 field app_slug: production required string|null != vendor required string",
        "GET /api-auth/apps query parameter search (vendor: optional string|null) absent in production",
        "GET /api-auth/apps 401 response (vendor: documented) absent in production",
    } <= new
    # a registered difference that goes away is reported as gone, too
    assert "GET /api-auth/apps query parameter search: production optional string != vendor optional string|null" in (
        base - set(drift.diff(changed, vendor))
    )


def test_nullable_spellings_are_the_same_notion() -> None:
    doc: dict[str, Any] = {}
    assert drift.type_name(doc, {"type": "string", "nullable": True}) == "string|null"
    assert drift.type_name(doc, {"type": ["string", "null"]}) == "string|null"
    assert drift.type_name(doc, {"oneOf": [{"type": "string"}, {"type": "null"}]}) == "string|null"
    assert drift.type_name(doc, {"type": "array", "items": {"type": "integer"}}) == "array<integer>"
