"""The campaign's allow-list (scripts/fuzz_contracts.py): every finding production's own answer explains.

Each entry names why: a rule id of the mock's registry (a §15.3 database 500, a business rule over stored state or
several fields that no request schema can state) or an id of ``contracts/divergences.yaml`` (a registered
difference). It lists the Schemathesis checks it may fail and the rule the request's journal entry must show
answering (``deny`` or ``applied``), and may add a condition on that entry. Nothing is allowed by operation,
status or check alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml

from wacht_mock.http.gateway import PARSER_CRASH_TEXT, PARSER_PANIC_TEXT
from wacht_mock.rules import all_rules

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"

Entry = dict[str, Any]  # a journal entry as GET /_mock/journal gives it


@dataclass(frozen=True)
class Allowed:
    """One expected finding: ``ref`` (a rule id or a divergence-register id) explains why production answers so;
    ``checks`` are the Schemathesis checks it may fail; ``rule`` is the rule the journal must show answering;
    ``when``, if given, must also hold of the journal entry of the request."""

    ref: str
    checks: frozenset[str]
    rule: str | None
    why: str
    when: Callable[[Entry], bool] | None = None

    def explains(self, check: str, rules: list[str], entries: list[Entry]) -> bool:
        """True when this entry explains ``check`` failing on a request answered by ``rules`` (its journal
        ``entries``: more than one when the same request was sent again)."""
        return (
            check in self.checks
            and (self.rule is None or self.rule in rules)
            and (self.when is None or any(self.when(e) for e in entries))
        )


def _allowed(
    ref: str, checks: str, why: str, rule: str | None = None, when: Callable[[Entry], bool] | None = None
) -> Allowed:
    return Allowed(ref, frozenset(checks.split()), rule or ref, why, when)


def _answered_text(text: str) -> Callable[[Entry], bool]:
    def answered(entry: Entry) -> bool:
        return bool(entry["response_body"] == text)

    return answered


_INTEGER_FIELDS = frozenset(
    {"duration", "max_requests", "priority", "user_id", "organization_id", "workspace_id", "key_id"}
)
_STRICT_RFC3339 = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
)
_TIMESTAMP_FIELDS = ("expires_at", "start_date", "end_date", "cursor_ts")


def _integral_float(entry: Entry) -> bool:
    """The body gives one of its integer fields (or a rate-limit rule's) an integral number written with a fraction
    or exponent (``286.0``): only where the contract declares an integer, never inside an unknown field."""

    def has(value: object) -> bool:
        return isinstance(value, dict) and any(
            k in _INTEGER_FIELDS and isinstance(v, float) and v.is_integer() for k, v in value.items()
        )

    body = entry["request_body"]
    rules = body.get("rules") if isinstance(body, dict) else None
    return has(body) or (isinstance(rules, list) and any(has(rule) for rule in rules))


def _timestamp_not_rfc3339(entry: Entry) -> bool:
    """A timestamp field (body or query) holds a string that is not RFC 3339 date-time at all."""
    values = parse_qs(entry["query"], keep_blank_values=True)
    body = entry["request_body"] if isinstance(entry["request_body"], dict) else {}
    texts = [t for name in _TIMESTAMP_FIELDS for t in values.get(name, [])]
    texts += [body[name] for name in _TIMESTAMP_FIELDS if isinstance(body.get(name), str)]
    return any(not _STRICT_RFC3339.fullmatch(t) for t in texts)


ALLOWED: tuple[Allowed, ...] = (
    _allowed("db.nul_in_text_is_500", "not_a_server_error", "§15.3: Postgres refuses NUL in text/jsonb (22021/22P05)"),
    _allowed(
        "apps.list.negative_limit_or_offset_is_500",
        "not_a_server_error",
        "§15.3: LIMIT limit+2 below 0 or a negative OFFSET is a Postgres error (2201W/2201X)",
    ),
    _allowed(
        "keys.create.expires_at_within_postgres_timestamptz",
        "not_a_server_error",
        "§15.3: Postgres's timestamptz ends at 4714 BC (22008)",
    ),
    # The gateway's abort and panic stand-ins name no rule of their own: the answer's text identifies them.
    Allowed(
        "permission-parser-crash",
        frozenset({"not_a_server_error"}),
        None,
        "register: production's gateway overflows its stack and aborts; the mock's 500 stand-in",
        _answered_text(PARSER_CRASH_TEXT),
    ),
    Allowed(
        "permission-parser-panic",
        frozenset({"not_a_server_error"}),
        None,
        "register: production's handler panics slicing inside a UTF-8 character; the mock's 500 stand-in",
        _answered_text(PARSER_PANIC_TEXT),
    ),
    _allowed(
        "gateway.http.wrong_method_is_405_without_allow",
        "unsupported_method allow_header_conformance",
        "§15.4: no Allow header on any 405, the gateway's included",
    ),
    _allowed(
        "openapi-timestamps-strict-rfc3339",
        "negative_data_rejection",
        "register: the contract's date-time is strict RFC 3339, production also reads chrono's relaxed forms (§15.2)",
        "timestamps.parse_rfc3339_relaxed",
    ),
    _allowed(
        "openapi-integral-floats-are-integers",
        "positive_data_acceptance",
        "register: JSON Schema counts 286.0 as an integer; serde's i32/i64 fields refuse it (422)",
        "http.body.json_shape",
        _integral_float,
    ),
    _allowed(
        "openapi-timestamps-strict-rfc3339",
        "positive_data_acceptance",
        "register: format is an annotation in OpenAPI 3.1, so Schemathesis may send a non-date-time as valid",
        "http.body.json_shape",
        _timestamp_not_rfc3339,
    ),
    _allowed(
        "openapi-timestamps-strict-rfc3339",
        "positive_data_acceptance",
        "register: as above, for the audit routes' query timestamps",
        "http.query.parses",
        _timestamp_not_rfc3339,
    ),
    *(
        _allowed(rule, "positive_data_acceptance", "production's business rule over stored state or several fields")
        for rule in (
            "apps.scope.organization_exists",
            "apps.scope.workspace_exists",
            "apps.scope.workspace_belongs_to_organization",
            "apps.scope.user_member_of_organization",
            "apps.scope.user_member_of_workspace",
            "apps.create.user_exists",
            "apps.create.user_id_excludes_permissions",
            "apps.create.user_id_required_for_scope",
            "apps.update.scope_requires_user",
            "apps.update.user_app_permissions_frozen",
            "schemes.rules.millisecond_at_most_60000",
            "schemes.rules.second_at_most_1800",
            "schemes.rules.minute_at_most_1440",
            "schemes.rules.calendar_day_exactly_1",
            "schemes.rules.window_at_most_30_days",
            "schemes.delete.not_assigned_to_active_keys",
            "schemes.delete.not_assigned_to_apps",
            "audit.logs.cursor_decodes",
        )
    ),
    _allowed(
        "method-not-allowed-without-allow-header",
        "unsupported_method allow_header_conformance",
        "§15.4: the normaliser rebuilds every 405 without an Allow header",
        "http.wrong_method_is_405_after_auth",
    ),
)


def known_refs() -> set[str]:
    """Every rule id of the mock's registry and every id of the divergence register."""
    register = yaml.safe_load((CONTRACTS / "divergences.yaml").read_text())
    ids = {entry["id"] for part in ("divergences", "assumptions") for entry in register.get(part) or ()}
    return ids | {r.id for r in all_rules()}
