"""The gateway's ``POST /v1/authz/check``, on its own router: no auth layer, no error normaliser, no CORS.

Which answers are JSON and which are axum's plain text is decided here, not in the domain.
"""

from __future__ import annotations

from ..domain import gateway
from ..domain.permissions import PermissionParserCrash
from ..rules import rule
from .axum import gateway_json
from .operations import GATEWAY, GATEWAY_PATH, Call, Reply, operation
from .responses import decision_json, denial_json

# Production's parser recurses until the gateway process aborts, or panics slicing inside a character and drops
# the connection; the mock answers instead (divergences.yaml permission-parser-crash, permission-parser-panic).
PARSER_CRASH_TEXT = "gateway process aborted: unbalanced '(' in required_permissions"
PARSER_PANIC_TEXT = "gateway handler panicked: required_permissions sliced inside a UTF-8 character"
_PARSER = "platform/src/gateway/validation.rs"
PARSER_ABORT_STAND_IN = rule(
    "gateway.permission_parser_abort_answered_with_500",
    f"{_PARSER}:94-227 (evaluate_and_expr / evaluate_permission_expr recurse until the stack overflows)",
    500,
    PARSER_CRASH_TEXT,
    only="deny",
)
PARSER_PANIC_STAND_IN = rule(
    "gateway.permission_parser_panic_answered_with_500",
    f"{_PARSER}:128-135 (a byte-offset slice inside a UTF-8 character panics)",
    500,
    PARSER_PANIC_TEXT,
    only="deny",
)


@operation("POST", GATEWAY_PATH, "checkAuthz", body=True, router=GATEWAY)
def check_authz(c: Call) -> Reply:
    """A decision (200 JSON), a denial envelope (400/401 JSON), or a plain-text 401 for an unknown key."""
    request = gateway_json(c.content_type, c.body)
    try:
        answer = gateway.check_authz(c.backend, request, c.headers, c.client_ip)
    except PermissionParserCrash as crash:
        (PARSER_ABORT_STAND_IN if crash.kind == "recursion" else PARSER_PANIC_STAND_IN).deny()
    if isinstance(answer, gateway.Decision):
        return Reply(200, decision_json(answer), message=answer.reason)
    if answer.rule_id == gateway.KEY_FOUND.id:
        # The key lookup's error is a bare ``(StatusCode, &str)``: plain text, not the denial body.
        return Reply(answer.status, text=answer.message, message=answer.message)
    return Reply(answer.status, denial_json(answer))
