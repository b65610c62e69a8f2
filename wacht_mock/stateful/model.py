"""The state machine's model of Wacht's API-auth backend and gateway: what the target should hold after the steps
so far and what it should answer next, with no HTTP and no Hypothesis.

``Model`` keeps the records (schemes, apps, keys), moves them through their transitions (issue, rotate, revoke,
scheme edits that cascade to an app's keys), counts allowed gateway checks on an exact sliding window of virtual
milliseconds, and turns all of that into the JSON the target must answer: echoed rules, an app's or a key's
``rate_limits``, a listed key's fields, a gateway decision and the vendor's error envelopes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "API_WINDOW_MS",
    "DEFAULT_RULE",
    "REVOKE_REASON",
    "AppRecord",
    "Decision",
    "ExpectedError",
    "KeyRecord",
    "KeyState",
    "LimitRule",
    "Model",
]

# These numbers restate production's (backend-behaviour.md) rather than import wacht_mock.domain's on purpose: the
# model is an independent oracle. One that read the domain's constants would agree with the mock by construction,
# so a wrong unit, window or default rule in the domain would go unseen by every run of the machine.
_UNIT_MS = {"second": 1000, "minute": 60_000}
API_WINDOW_MS = 60_000
"""The backend API's own rate-limit window (its calls per minute per deployment)."""
REVOKE_REASON = "revoked by WachtStateMachine"
"""The reason the machine revokes keys with; listings echo it."""
_ROTATED_REASON = "Rotated"

KeyState = Literal["active", "rotated", "revoked"]
Counter = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class LimitRule:
    """One rate-limit rule simple enough to model exactly: no endpoints (so it matches every path), a second or
    minute window, a small ``max_requests``; ``mode``/``priority`` ``None`` are left out of the request."""

    unit: Literal["second", "minute"]
    duration: int
    max_requests: int
    mode: Literal["per_app", "per_key"] | None = None
    priority: int | None = None

    @property
    def window_ms(self) -> int:
        """The sliding window in milliseconds."""
        return _UNIT_MS[self.unit] * self.duration

    @property
    def rule_string(self) -> str:
        """The gateway's ``<max_requests>/<window>`` label, e.g. ``3/60s``."""
        ms = self.window_ms
        return f"{self.max_requests}/{ms}ms" if ms < 1000 else f"{self.max_requests}/{ms // 1000}s"

    def request_json(self) -> dict[str, Any]:
        """The rule as sent to the backend."""
        body: dict[str, Any] = {"unit": self.unit, "duration": self.duration, "max_requests": self.max_requests}
        if self.mode is not None:
            body["mode"] = self.mode
        if self.priority is not None:
            body["priority"] = self.priority
        return body

    def echoed_json(self) -> dict[str, Any]:
        """The rule as the backend echoes it: ``priority`` filled with 0, a null ``mode`` omitted."""
        body: dict[str, Any] = {"unit": self.unit, "duration": self.duration, "max_requests": self.max_requests}
        if self.mode is not None:
            body["mode"] = self.mode
        body["priority"] = self.priority or 0
        return body


DEFAULT_RULE = LimitRule("minute", 1, 1000, "per_app")
"""The gateway's rule for keys whose scheme slug is null or names no scheme: 1000 per minute per app."""


@dataclass(slots=True)
class AppRecord:
    """An app as the model holds it: its slug, its scheme slug (possibly naming no scheme) and its keys' ids."""

    slug: str
    scheme: str | None
    keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class KeyRecord:
    """A key as the model holds it: its app, secret, scheme slug and whether it is active, rotated away or
    revoked."""

    id: str
    app: str
    secret: str
    scheme: str | None
    state: KeyState = "active"


@dataclass(frozen=True, slots=True)
class ExpectedError:
    """A vendor error the backend must answer: status and exact message."""

    status: int
    message: str

    def json(self) -> dict[str, Any]:
        """The error envelope."""
        return {"errors": [{"message": self.message, "code": self.status}]}


@dataclass(frozen=True, slots=True)
class Decision:
    """The gateway decision the model predicts for one check of an active key: the rule that applies and how many
    allowed checks its counter already holds within the window."""

    rule: LimitRule
    before: int

    @property
    def allowed(self) -> bool:
        """Whether the check fits under ``max_requests``."""
        return self.before < self.rule.max_requests

    @property
    def remaining(self) -> int:
        """Checks left in the window after this one."""
        if self.allowed:
            return self.rule.max_requests - (self.before + 1)
        return max(0, self.rule.max_requests - self.before)

    @property
    def blocked_rule(self) -> str | None:
        """The rule string of a refusal, ``None`` when allowed."""
        return None if self.allowed else self.rule.rule_string

    @property
    def retry_after(self) -> int | None:
        """A refusal's ``retry_after``: the whole window in milliseconds; ``None`` when allowed."""
        return None if self.allowed else self.rule.window_ms

    def expected_json(self) -> dict[str, Any]:
        """The decision's fields the gateway must answer (besides ``allowed`` and ``identity``)."""
        return {
            "reason": None if self.allowed else "rate_limited",
            "blocked_rule": self.blocked_rule,
            "retry_after": self.retry_after,
            "rate_limits": [
                {"rule": self.rule.rule_string, "remaining": self.remaining, "limit": self.rule.max_requests}
            ],
        }


class Model:
    """What the target should hold after the steps so far, and what it should answer next.

    Time is virtual milliseconds from the start of the example (``now_ms``); the gateway is asked about one
    ``resource``. Transitions that production refuses (rotating or revoking an inactive key, a second scheme
    with a taken slug) raise ``ValueError`` here: ask ``rotate_error``/``revoke_error``/``create_scheme_error``
    first for the answer the target must give instead.
    """

    def __init__(self, *, resource: str) -> None:
        self.resource = resource
        self.now_ms = 0
        self.schemes: dict[str, LimitRule] = {}
        self.apps: dict[str, AppRecord] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.secrets_returned: list[str] = []
        self._hits: dict[Counter, list[int]] = {}
        self._api_calls: deque[int] = deque()

    # Time and the backend API's own limit

    def advance(self, ms: int) -> None:
        """Move the virtual clock ``ms`` milliseconds forward."""
        self.now_ms += ms

    def api_call_delay_ms(self, per_minute: int) -> int:
        """How far the clock must move before one more backend API call keeps within ``per_minute`` calls in any
        minute: 0, or a whole window once this minute holds ``per_minute`` calls already."""
        while self._api_calls and self._api_calls[0] <= self.now_ms - API_WINDOW_MS:
            self._api_calls.popleft()
        return API_WINDOW_MS if len(self._api_calls) >= per_minute else 0

    def record_api_call(self) -> None:
        """Count one backend API call at ``now_ms``."""
        self._api_calls.append(self.now_ms)

    # Schemes

    def create_scheme_error(self, slug: str) -> ExpectedError | None:
        """A taken slug is a 409."""
        if slug in self.schemes:
            return ExpectedError(409, f"Rate limit scheme '{slug}' already exists")
        return None

    def create_scheme(self, slug: str, rule: LimitRule) -> None:
        """A new scheme with one rule; apps and keys already naming ``slug`` pick it up."""
        if self.create_scheme_error(slug) is not None:
            raise ValueError(f"scheme {slug} exists")
        self.schemes[slug] = rule

    def update_scheme(self, slug: str, rule: LimitRule) -> None:
        """Replace a scheme's rules; the counters keep their hits."""
        if slug not in self.schemes:
            raise ValueError(f"no scheme {slug}")
        self.schemes[slug] = rule

    # Apps

    def create_app(self, slug: str, scheme: str | None) -> AppRecord:
        """A new app, its scheme slug stored as given (it may name no scheme yet)."""
        if slug in self.apps:
            raise ValueError(f"app {slug} exists")
        app = self.apps[slug] = AppRecord(slug, scheme)
        return app

    def set_app_scheme(self, slug: str, scheme: str) -> None:
        """Patch an app's scheme slug; it cascades to every key of the app, inactive ones included."""
        app = self.apps[slug]
        app.scheme = scheme
        for key_id in app.keys:
            self.keys[key_id].scheme = scheme

    def active_keys(self, app: str) -> list[str]:
        """The ids of the app's active keys, in issue order."""
        return [k for k in self.apps[app].keys if self.keys[k].state == "active"]

    # Keys

    def is_new_secret(self, secret: str) -> bool:
        """Whether no create or rotate returned ``secret`` before."""
        return secret not in self.secrets_returned

    def create_key(self, app: str, key_id: str, secret: str) -> KeyRecord:
        """A new active key of ``app``, with the app's scheme slug."""
        return self._add_key(KeyRecord(key_id, app, secret, self.apps[app].scheme))

    def rotate_error(self, key_id: str) -> ExpectedError | None:
        """Rotating an inactive key is a 404."""
        if self.keys[key_id].state != "active":
            return ExpectedError(404, "API key not found or inactive")
        return None

    def rotate_key(self, key_id: str, new_id: str, new_secret: str) -> KeyRecord:
        """The old key is rotated away; the new one is active, of the same app, with the old key's scheme slug."""
        if self.rotate_error(key_id) is not None:
            raise ValueError(f"key {key_id} is not active")
        old = self.keys[key_id]
        new = self._add_key(KeyRecord(new_id, old.app, new_secret, old.scheme))
        old.state = "rotated"
        return new

    def revoke_error(self, key_id: str) -> ExpectedError | None:
        """Revoking an inactive (revoked or rotated-away) key is a 404."""
        if self.keys[key_id].state != "active":
            return ExpectedError(404, "API key not found or already revoked")
        return None

    def revoke_key(self, key_id: str) -> None:
        """The key is revoked (with ``REVOKE_REASON``)."""
        if self.revoke_error(key_id) is not None:
            raise ValueError(f"key {key_id} is not active")
        self.keys[key_id].state = "revoked"

    def _add_key(self, key: KeyRecord) -> KeyRecord:
        if key.id in self.keys:
            raise ValueError(f"key id {key.id} exists")
        self.keys[key.id] = key
        self.apps[key.app].keys.append(key.id)
        self.secrets_returned.append(key.secret)
        return key

    # The gateway

    def check_request(self, key_id: str) -> dict[str, Any]:
        """The gateway check the machine sends for a key."""
        secret = self.keys[key_id].secret
        return {"principal": {"type": "api_key", "value": secret}, "resource": self.resource, "method": "GET"}

    def rule_for(self, key_id: str) -> LimitRule:
        """The rule the gateway applies: the key's scheme slug, else the app's; the default without a scheme."""
        key = self.keys[key_id]
        slug = key.scheme if key.scheme is not None else self.apps[key.app].scheme
        return self.schemes.get(slug, DEFAULT_RULE) if slug is not None else DEFAULT_RULE

    def predict(self, key_id: str) -> Decision:
        """The decision for a check of an active key now (nothing is counted: see ``record_allowed``)."""
        rule = self.rule_for(key_id)
        return Decision(rule, self._count(self._counter(rule, key_id), rule.window_ms))

    def record_allowed(self, key_id: str) -> int:
        """Count an allowed check of the key now; the allowed checks its counter then holds within the window."""
        rule = self.rule_for(key_id)
        counter = self._counter(rule, key_id)
        self._hits.setdefault(counter, []).append(self.now_ms)
        return self._count(counter, rule.window_ms)

    def _counter(self, rule: LimitRule, key_id: str) -> Counter:
        """per_key counts per key and path; per_app (and no mode) per app; the window is part of the counter."""
        if rule.mode == "per_key":
            return ("key", key_id, self.resource, rule.window_ms)
        return ("app", self.keys[key_id].app, rule.window_ms)

    def _count(self, counter: Counter, window_ms: int) -> int:
        return sum(1 for at in self._hits.get(counter, ()) if at > self.now_ms - window_ms)

    # Expected JSON

    def expected_rate_limits(self, scheme: str | None) -> list[dict[str, Any]]:
        """The ``rate_limits`` an app or key with this scheme slug shows: its rules as echoed, ``[]`` without a
        scheme or for a slug that names none."""
        rule = self.schemes.get(scheme) if scheme is not None else None
        return [rule.echoed_json()] if rule is not None else []

    def expected_app(self, slug: str) -> dict[str, Any]:
        """The scheme fields of an app's JSON (a null ``rate_limit_scheme_slug`` may be left out)."""
        scheme = self.apps[slug].scheme
        return {"rate_limit_scheme_slug": scheme, "rate_limits": self.expected_rate_limits(scheme)}

    def expected_listed_key(self, key_id: str) -> dict[str, Any]:
        """The fields a key listing shows of a key (``revoked`` stands for ``revoked_at`` not being null; a null
        ``rate_limit_scheme_slug`` may be left out). A listing never shows the secret."""
        key = self.keys[key_id]
        return {
            "key_suffix": key.secret[-8:],
            "is_active": key.state == "active",
            "revoked_reason": {"active": None, "rotated": _ROTATED_REASON, "revoked": REVOKE_REASON}[key.state],
            "revoked": key.state != "active",
            "rate_limit_scheme_slug": key.scheme,
            "rate_limits": self.expected_rate_limits(key.scheme),
        }
