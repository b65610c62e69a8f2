"""Operation-by-operation comparison of two OpenAPI documents, as normalised facts.

Each document is reduced to a mapping ``fact key -> value``, where a key names an operation and a
location in it (``GET /api-auth/apps 200 field data[].app_slug``) and the value is a short
normalised description (``required string``). Nullability is one notion: ``nullable: true`` (3.0
style) and ``type: [X, "null"]`` (3.1 style) both read as ``X|null``. The diff of two fact maps is a
sorted list of stable, readable difference ids (see :func:`diff`).
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# How deep to follow object fields below a 2xx response or a request body (0 = top level only).
MAX_DEPTH = 1

Doc = dict[str, Any]
Facts = dict[str, str]


def _resolve(doc: Doc, node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        assert isinstance(ref, str) and ref.startswith("#/"), ref
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
    return node


def _types(doc: Doc, schema: Any) -> set[str]:
    """The set of JSON types a schema admits, 'null' included; {'any'} when unconstrained."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        return {"any"}
    out: set[str] = set()
    for key in ("oneOf", "anyOf"):
        if key in schema:
            for sub in schema[key]:
                out |= _types(doc, sub)
    if "allOf" in schema:
        for sub in schema["allOf"]:
            out |= _types(doc, sub) - {"any"}
    t = schema.get("type")
    if isinstance(t, str):
        out.add(t)
    elif isinstance(t, list):
        out |= {str(x) for x in t}
    if not out:
        if "enum" in schema:
            out |= {_json_type(v) for v in schema["enum"]}
        elif "properties" in schema:
            out.add("object")
        else:
            out.add("any")
    if schema.get("nullable") is True:
        out.add("null")
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def type_name(doc: Doc, schema: Any) -> str:
    """A normalised type: 'string', 'integer|null', 'array<string>', 'array<object>|null', 'any'."""
    schema = _resolve(doc, schema)
    types = _types(doc, schema)
    parts = []
    for t in sorted(types - {"null"}):
        if t == "array" and isinstance(schema, dict) and "items" in schema:
            parts.append(f"array<{type_name(doc, schema['items'])}>")
        else:
            parts.append(t)
    if "null" in types:
        parts.append("null")
    return "|".join(parts)


def _properties(doc: Doc, schema: Any) -> tuple[dict[str, Any], set[str]]:
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        return {}, set()
    props: dict[str, Any] = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for sub in schema.get("allOf", []):
        p, r = _properties(doc, sub)
        props.update(p)
        required |= r
    return props, required


def _object_facts(doc: Doc, schema: Any, prefix: str, facts: Facts, depth: int, path: str = "") -> None:
    props, required = _properties(doc, schema)
    for name in props:
        sub = _resolve(doc, props[name])
        label = f"{path}{name}"
        req = "required" if name in required else "optional"
        facts[f"{prefix} field {label}"] = f"{req} {type_name(doc, sub)}"
        if depth >= MAX_DEPTH or not isinstance(sub, dict):
            continue
        if "array" in _types(doc, sub) and "items" in sub:
            _object_facts(doc, sub["items"], prefix, facts, depth + 1, f"{label}[].")
        elif "object" in _types(doc, sub):
            _object_facts(doc, sub, prefix, facts, depth + 1, f"{label}.")


def operations(doc: Doc) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """'METHOD /path' -> (operation, path item)."""
    out = {}
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                out[f"{method.upper()} {path}"] = (item[method], item)
    return out


def facts(doc: Doc) -> Facts:
    out: Facts = {}
    for op_name, (op, item) in operations(doc).items():
        out[f"{op_name} operation"] = "present"
        out[f"{op_name} operationId"] = str(op.get("operationId"))
        params: dict[tuple[str, str], Any] = {}
        for p in [*item.get("parameters", []), *op.get("parameters", [])]:
            p = _resolve(doc, p)
            params[(p["in"], p["name"])] = p
        for (where, name), p in sorted(params.items()):
            req = "required" if p.get("required") else "optional"
            out[f"{op_name} {where} parameter {name}"] = f"{req} {type_name(doc, p.get('schema', {}))}"
        body = _resolve(doc, op.get("requestBody"))
        if isinstance(body, dict):
            out[f"{op_name} request body"] = "required" if body.get("required") else "optional"
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                _object_facts(doc, schema, f"{op_name} request body", out, 0)
        for status, resp in op.get("responses", {}).items():
            status = str(status)
            out[f"{op_name} {status} response"] = "documented"
            if not status.startswith("2"):
                continue
            resp = _resolve(doc, resp)
            content = resp.get("content") or {}
            out[f"{op_name} {status} body"] = "json" if "application/json" in content else "none"
            schema = content.get("application/json", {}).get("schema")
            if schema is not None:
                _object_facts(doc, schema, f"{op_name} {status}", out, 0)
    return out


def diff(production: Doc, vendor: Doc) -> list[str]:
    """Every difference, as sorted readable ids.

    ``<fact> (vendor) absent in production``, ``<fact> (production) absent in vendor`` or
    ``<fact>: production <value> != vendor <value>``.
    """
    ours, theirs = facts(production), facts(vendor)
    out = []
    for key in sorted(ours.keys() | theirs.keys()):
        if key not in ours:
            out.append(f"{key} (vendor: {theirs[key]}) absent in production")
        elif key not in theirs:
            out.append(f"{key} (production: {ours[key]}) absent in vendor")
        elif ours[key] != theirs[key]:
            out.append(f"{key}: production {ours[key]} != vendor {theirs[key]}")
    return out
