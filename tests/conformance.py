"""Validate mock responses against the contracts (contracts/openapi.yaml and contracts/gateway.yaml).

Both documents are loaded once. ``validate(method, path, status, content_type, body)`` finds the operation whose
path template and method match, checks that the status is documented for it (exactly, or as a ``4XX``/``5XX``
range) and that the body matches the media type's schema (JSON Schema Draft 2020-12, ``$ref``s resolved through a
``referencing`` registry holding each contract document). A violation raises ``AssertionError`` naming the
operation, the status and the failing JSON path.

Skipped: HEAD answers (no body), OPTIONS preflights (answered by the CORS layer) and the ``/_mock/`` control plane.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
CONTRACT_FILES = ("openapi.yaml", "gateway.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Contract:
    """One loaded contract: its document, its base URI in the registry, and its path templates compiled."""

    name: str
    uri: str
    document: dict[str, Any]
    paths: tuple[tuple[str, re.Pattern[str], dict[str, Any]], ...]


@dataclass(frozen=True)
class Contracts:
    items: tuple[Contract, ...]
    registry: Registry[Any]


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


@cache
def contracts() -> Contracts:
    """Both contracts, loaded and indexed once per process."""
    items = []
    registry: Registry[Any] = Registry()
    for file in CONTRACT_FILES:
        document = yaml.safe_load((CONTRACTS / file).read_text(encoding="utf-8"))
        uri = f"urn:wacht-mock:contract:{file}"
        registry = registry.with_resource(uri, DRAFT202012.create_resource(document))
        paths = tuple((t, _compile(t), item) for t, item in document.get("paths", {}).items())
        items.append(Contract(file, uri, document, paths))
    return Contracts(tuple(items), registry.crawl())


def _resolve(contract: Contract, node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (e.g. to ``#/components/responses/...``)."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local refs are supported, got {ref}"
        target: Any = contract.document
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _find(path: str) -> tuple[Contract, str, dict[str, Any]] | None:
    for contract in contracts().items:
        for template, pattern, item in contract.paths:
            if pattern.match(path):
                return contract, template, item
    return None


def _error_envelope_check(status: int, body: bytes, where: str) -> None:
    """Answers outside any operation (unknown path): production's error envelope, code = status."""
    openapi = contracts().items[0]
    _check_schema(openapi, {"$ref": "#/components/schemas/ErrorEnvelope"}, body, where, status)


def _check_schema(contract: Contract, schema: dict[str, Any], body: bytes, where: str, status: int) -> None:
    try:
        instance = json.loads(body)
    except ValueError as exc:
        raise AssertionError(f"{where}: body is not JSON ({exc}): {body[:200]!r}") from None
    validator = Draft202012Validator(_rebase(contract, schema), registry=contracts().registry)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        location = "$" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
        raise AssertionError(
            f"{where}: body violates the contract at {location}: {error.message} "
            f"(schema path {'/'.join(str(p) for p in error.absolute_schema_path)}); body {body[:300]!r}"
        )
    if isinstance(instance, dict) and isinstance(instance.get("errors"), list) and instance["errors"]:
        code = instance["errors"][0].get("code") if isinstance(instance["errors"][0], dict) else None
        if code is not None and code != status:
            raise AssertionError(f"{where}: error envelope code {code} differs from the HTTP status {status}")


def _rebase(contract: Contract, schema: Any) -> Any:
    """Turn local ``#/...`` refs into absolute refs into the contract document held by the registry."""
    if isinstance(schema, dict):
        return {
            k: (contract.uri + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(contract, v))
            for k, v in schema.items()
            if k != "$id"
        }
    if isinstance(schema, list):
        return [_rebase(contract, v) for v in schema]
    return schema


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def validate(
    method: str, path: str, status: int, content_type: str | None, body: bytes, *, injected: bool = False
) -> None:
    """Raise ``AssertionError`` when this response is not what the contracts document for ``method path``.

    ``injected``: the answer came from an injected ``error`` fault (any status 400-599 on any operation, the
    gateway's included). Production never chose it, so only the error envelope's shape is checked.
    """
    method = method.upper()
    if method in ("HEAD", "OPTIONS") or path.startswith("/_mock/") or path == "/_mock":
        return
    if injected:
        if _media_type(content_type) != "application/json":
            raise AssertionError(f"{method} {path} → {status} (injected fault): not application/json")
        _error_envelope_check(status, body, f"{method} {path} → {status} (injected fault)")
        return
    found = _find(path)
    if found is None:
        # Not a vendor route: production answers its 404 envelope (or an injected fault) without an operation.
        _error_envelope_check(status, body, f"{method} {path} (no operation) → {status}")
        return
    contract, template, item = found
    operation = item.get(method.lower())
    if operation is None:
        # A known path with the wrong method: any operation on the path documents the 405 (and the auth answers).
        if contract.name == "gateway.yaml":
            if status == 405 and body == b"":
                return
            raise AssertionError(f"{method} {template} (no operation) → {status}: expected an empty 405")
        operation = next(item[m] for m in METHODS if m in item)
        if status not in (401, 405, 429) and status < 500:
            raise AssertionError(f"{method} {template} (no operation) → {status}: only 401/405/429/5xx are possible")
    where = f"{operation['operationId']} ({method} {template}) → {status}"
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if response is None:
        documented = ", ".join(responses)
        raise AssertionError(f"{where}: status {status} is not documented (documented: {documented})")
    response = _resolve(contract, response)
    content = response.get("content")
    if not content:
        if body:
            raise AssertionError(f"{where}: the contract documents no content, the mock sent {body[:200]!r}")
        return
    media = _media_type(content_type)
    if media not in content:
        documented = ", ".join(content)
        raise AssertionError(f"{where}: content type {content_type!r} not documented (documented: {documented})")
    schema = content[media].get("schema")
    if schema is None:
        return
    if media == "application/json":
        _check_schema(contract, schema, body, where, status)
    elif schema.get("type") == "string":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AssertionError(f"{where}: text body is not UTF-8 ({exc})") from None


def check_schemas() -> list[str]:
    """Every schema in each contract's components, checked as a Draft 2020-12 schema; returns their names."""
    names = []
    for contract in contracts().items:
        for name, schema in contract.document.get("components", {}).get("schemas", {}).items():
            Draft202012Validator.check_schema(schema)
            names.append(f"{contract.name}#{name}")
    return names
