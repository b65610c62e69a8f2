"""``WachtStateMachine``: a Hypothesis state machine that drives Wacht's API-auth backend and gateway over HTTP and
checks what production guarantees.

It creates rate-limit schemes and apps, issues, rotates and revokes keys, edits schemes, asks the gateway about
keys and moves the clock, keeping a model of what the target should hold. After every step it checks:

* ``include_inactive=true`` key listings hold exactly the app's keys, ``include_inactive=false`` exactly the
  active ones (each with its scheme's rules, its suffix and its revocation);
* every app's ``rate_limits`` equal its scheme's rules as the backend echoes them (``[]`` without a scheme or
  with an unknown slug);
* no secret was returned twice.

And in the steps themselves: a rotated-away or revoked key never authorizes (401 ``Invalid API key``), the gateway
allows no more than ``max_requests`` checks on a counter within a window, and each decision is the one the
model predicts (an exact sliding window on the virtual clock, as the mock promises).

It talks HTTP only, through three hooks a subclass may replace to drive its own client or another target:
``reset_target`` (an empty target per example), ``make_clients`` (the backend API client, authenticated, and a
client whose base URL serves ``/v1/authz/check``) and ``advance_clock``. By default each example gets a fresh
in-process ``WachtMock``; ``LiveServerStateMachine.against(url, secret)`` drives a served mock instead.

Run it with ``WachtStateMachine.TestCase`` (set ``TestCase.settings`` to size the run) or
``hypothesis.stateful.run_state_machine_as_test``. Hypothesis is imported here only, not by ``wacht_mock``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from .mock import WachtMock

__all__ = [
    "CLOCK_STEPS_MS",
    "SCHEME_SLUGS",
    "LimitRule",
    "LiveServerStateMachine",
    "WachtStateMachine",
    "limit_rules",
]

# Slugs apps may name whether or not the scheme exists yet: an unknown slug is stored as given (rate_limits [],
# the gateway's default rule) and picked up once a scheme with that slug is created. Every example starts with
# the first two created, so most apps get a small limit to run into; the third exists only once a step creates it.
SCHEME_SLUGS = ("basic", "burst", "strict")
# How far ``advance_clock`` moves the virtual clock: inside and across second and minute windows.
CLOCK_STEPS_MS = (1, 500, 1000, 61_000)

_UNIT_MS = {"second": 1000, "minute": 60_000}
_API_WINDOW_MS = 60_000
_REVOKE_REASON = "revoked by WachtStateMachine"

KeyState = Literal["active", "rotated", "revoked"]


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


# The gateway's rule for keys whose scheme slug is null or names no scheme: 1000 per minute per app.
_DEFAULT_RULE = LimitRule("minute", 1, 1000, "per_app")


def limit_rules() -> st.SearchStrategy[LimitRule]:
    """Rules the machine creates and edits schemes with: 1 to 3 requests per 1 or 2 seconds or minutes, per app or per
    key (or mode left out, which means per app), with or without a priority."""
    return st.builds(
        LimitRule,
        unit=st.sampled_from(("second", "minute")),
        duration=st.integers(1, 2),
        max_requests=st.integers(1, 3),
        mode=st.sampled_from((None, "per_app", "per_key")),
        priority=st.none() | st.integers(0, 2),
    )


@dataclass(slots=True)
class _App:
    slug: str
    scheme: str | None
    keys: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Key:
    id: str
    app: str
    secret: str
    scheme: str | None
    state: KeyState = "active"


class WachtStateMachine(RuleBasedStateMachine):
    """Drives the backend API and the gateway through create app → create key → rotate → revoke → gateway check
    → scheme edits → clock advances, checking production's guarantees against a model (see the module docstring).

    Subclass it to drive your own client or another target, by overriding the hooks:

    * ``reset_target()``: make the target empty (no apps, schemes or keys; counters and the backend API's rate
      limit cleared) with a frozen clock. Default: a fresh in-process ``WachtMock`` in ``self.mock``.
    * ``make_clients()``: ``(api, gateway)`` httpx clients; ``api`` is authenticated on the backend API of the
      deployment ``reset_target`` emptied, ``gateway``'s base URL serves ``POST /v1/authz/check``. Called once
      per example, after ``reset_target``; both are closed in ``teardown``.
    * ``advance_clock(ms)``: move the target's virtual clock forward.

    Class attributes size the state: ``max_apps``, ``max_active_keys_per_app``, ``resource`` (the one path the
    gateway is asked about), ``key_prefix``, and ``api_calls_per_minute`` (the backend API's own limit: the
    machine advances the clock a minute rather than exceed it).
    """

    max_apps: ClassVar[int] = 3
    max_active_keys_per_app: ClassVar[int] = 4
    resource: ClassVar[str] = "/orders"
    key_prefix: ClassVar[str] = "sk_test"
    api_calls_per_minute: ClassVar[int] = 1000

    mock: WachtMock
    """The in-process mock of this example (set by the default ``reset_target``)."""

    schemes = Bundle("schemes")
    apps = Bundle("apps")
    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self._now_ms = 0
        self._scheme_rules: dict[str, LimitRule] = {}
        self._app_models: dict[str, _App] = {}
        self._key_models: dict[str, _Key] = {}
        self._secrets_returned: list[str] = []
        self._secrets: set[str] = set()
        self._hits: dict[tuple[object, ...], list[int]] = {}
        self._api_calls: deque[int] = deque()
        self.reset_target()
        self.api, self.gateway = self.make_clients()

    # Hooks

    def reset_target(self) -> None:
        """Give this example an empty target. Default: a fresh in-process ``WachtMock`` (frozen clock)."""
        self.mock = WachtMock()

    def make_clients(self) -> tuple[httpx.Client, httpx.Client]:
        """The backend API client (authenticated) and the gateway client. Default: into ``self.mock``."""
        return self.mock.client(), httpx.Client(transport=self.mock.transport(), base_url=self.mock.gateway_url)

    def advance_clock(self, ms: int) -> None:
        """Move the target's clock ``ms`` milliseconds forward. Default: ``self.mock.advance(ms=ms)``."""
        self.mock.advance(ms=ms)

    def teardown(self) -> None:
        """Close the clients ``make_clients`` returned."""
        self.api.close()
        if self.gateway is not self.api:
            self.gateway.close()

    # Rules: schemes

    @initialize(target=schemes, basic=limit_rules(), burst=limit_rules())
    def create_first_schemes(self, basic: LimitRule, burst: LimitRule) -> MultipleResults[str]:
        """Every example starts with schemes ``basic`` and ``burst`` (``strict`` is left for a step to create)."""
        return multiple(*self._create_scheme("basic", basic), *self._create_scheme("burst", burst))

    @precondition(lambda self: len(self._scheme_rules) < len(SCHEME_SLUGS))
    @rule(target=schemes, slug=st.sampled_from(SCHEME_SLUGS), limit=limit_rules())
    def create_scheme(self, slug: str, limit: LimitRule) -> MultipleResults[str]:
        """POST /api-auth/rate-limit-schemes (while one of ``SCHEME_SLUGS`` is missing); a taken slug is a 409."""
        return multiple(*self._create_scheme(slug, limit))

    @precondition(lambda self: bool(self._key_models))
    @rule(slug=schemes, limit=limit_rules())
    def update_scheme(self, slug: str, limit: LimitRule) -> None:
        """PATCH a scheme's rules; apps and keys naming it see the new rule at their next read and check (the
        counters keep their hits)."""
        response = self._call("PATCH", f"/api-auth/rate-limit-schemes/{slug}", json={"rules": [limit.request_json()]})
        scheme = _ok(response, f"update scheme {slug}")
        _check(scheme["rules"] == [limit.echoed_json()], f"update scheme {slug}: rules echoed as {scheme['rules']}")
        self._scheme_rules[slug] = limit

    # Rules: apps

    @precondition(lambda self: len(self._app_models) < self.max_apps)
    @rule(target=apps, scheme=st.sampled_from(SCHEME_SLUGS) | st.none())
    def create_app(self, scheme: str | None) -> str:
        """POST /api-auth/apps (the target is on the Growth plan), with or without a scheme slug."""
        slug = f"app-{len(self._app_models) + 1}"
        body = {"app_slug": slug, "name": f"App {len(self._app_models) + 1}", "key_prefix": self.key_prefix}
        if scheme is not None:
            body["rate_limit_scheme_slug"] = scheme
        app = _ok(self._call("POST", "/api-auth/apps", json=body), f"create app {slug}")
        self._app_models[slug] = _App(slug, scheme)
        self._check_app(app, f"create app {slug}")
        return slug

    @precondition(lambda self: bool(self._key_models))
    @rule(app=apps, scheme=st.sampled_from(SCHEME_SLUGS))
    def patch_app_scheme(self, app: str, scheme: str) -> None:
        """PATCH an app's scheme slug; it cascades to every key of the app, revoked ones included."""
        response = self._call("PATCH", f"/api-auth/apps/{app}", json={"rate_limit_scheme_slug": scheme})
        body = _ok(response, f"patch app {app} to scheme {scheme}")
        model = self._app_models[app]
        model.scheme = scheme
        for key_id in model.keys:
            self._key_models[key_id].scheme = scheme
        self._check_app(body, f"patch app {app} to scheme {scheme}")

    # Rules: keys

    @rule(target=keys, app=apps)
    def create_key(self, app: str) -> MultipleResults[str]:
        """POST /api-auth/apps/{app}/keys (nothing when the app already has ``max_active_keys_per_app``)."""
        model = self._app_models[app]
        if sum(self._key_models[k].state == "active" for k in model.keys) >= self.max_active_keys_per_app:
            return multiple()
        response = self._call("POST", f"/api-auth/apps/{app}/keys", json={"name": f"key-{len(self._key_models) + 1}"})
        issued = self._issued(response, f"create a key of {app}")
        self._adopt(issued, app, model.scheme)
        return multiple(issued["id"])

    @rule(target=keys, key=keys)
    def rotate_key(self, key: str) -> MultipleResults[str]:
        """POST .../keys/{id}/rotate: a new key (new id, new secret, the old scheme slug); the old one is done.
        Rotating an inactive key is a 404."""
        model = self._key_models[key]
        response = self._call("POST", f"/api-auth/apps/{model.app}/keys/{key}/rotate", json={})
        if model.state != "active":
            _expect_error(response, 404, "API key not found or inactive", f"rotate {model.state} key {key}")
            return multiple()
        issued = self._issued(response, f"rotate key {key}")
        _check(issued["id"] != key, f"rotate key {key}: the new key has the old id")
        model.state = "rotated"
        self._adopt(issued, model.app, model.scheme)
        self._expect_rejected(model, "after its rotation")
        return multiple(issued["id"])

    @rule(key=keys)
    def revoke_key(self, key: str) -> None:
        """POST .../keys/{id}/revoke; revoking an inactive (revoked or rotated-away) key is a 404."""
        model = self._key_models[key]
        response = self._call("POST", f"/api-auth/apps/{model.app}/keys/{key}/revoke", json={"reason": _REVOKE_REASON})
        if model.state != "active":
            _expect_error(response, 404, "API key not found or already revoked", f"revoke {model.state} key {key}")
            return
        body = _ok(response, f"revoke key {key}")
        _check(body == {}, f"revoke key {key}: answered {body}, expected {{}}")
        model.state = "revoked"
        self._expect_rejected(model, "after its revocation")

    # Rules: gateway and clock

    @rule(key=keys, times=st.integers(1, 4))
    def gateway_check(self, key: str, times: int) -> None:
        """Ask the gateway about a key ``times`` times at the same instant: an inactive key gets the plain-text
        401; an active one gets the decision the model predicts, and never more than ``max_requests`` allowed
        checks on a counter within its window."""
        for _ in range(times):
            self._gateway_check(self._key_models[key])

    @precondition(lambda self: bool(self._key_models))
    @rule()
    def gateway_check_every_key(self) -> None:
        """Ask the gateway about every key issued so far, once each (the keys of an app share its per_app
        counters)."""
        for key in list(self._key_models.values()):
            self._gateway_check(key)

    @precondition(lambda self: bool(self._key_models))
    @rule(ms=st.sampled_from(CLOCK_STEPS_MS))
    def pass_time(self, ms: int) -> None:
        """Move the virtual clock (windows slide; expired hits stop counting)."""
        self._advance(ms)

    # Invariants

    @invariant()
    def key_listings_are_exact(self) -> None:
        """``include_inactive=true`` lists every key of the app, ``false`` exactly the active ones, each with its
        state, suffix and scheme rules, and never a secret."""
        for slug, app in self._app_models.items():
            everything = self._list_keys(slug, include_inactive=True)
            _check(
                sorted(k["id"] for k in everything) == sorted(app.keys),
                f"keys of {slug} with include_inactive=true: listed {sorted(k['id'] for k in everything)}, "
                f"issued {sorted(app.keys)}",
            )
            for listed in everything:
                self._check_listed_key(listed)
            active = sorted(k for k in app.keys if self._key_models[k].state == "active")
            listed_active = sorted(k["id"] for k in self._list_keys(slug, include_inactive=False))
            _check(listed_active == active, f"active keys of {slug}: listed {listed_active}, expected {active}")

    @invariant()
    def app_rate_limits_follow_their_scheme(self) -> None:
        """Every app's ``rate_limits`` are its scheme's rules as echoed, ``[]`` without one or for an unknown slug."""
        if not self._app_models:
            return
        page = _ok(self._call("GET", "/api-auth/apps", params={"include_inactive": "true", "limit": 50}), "list apps")
        listed = {app["app_slug"]: app for app in page["data"]}
        for slug in self._app_models:
            _check(slug in listed, f"list apps: {slug} is missing from {sorted(listed)}")
            self._check_app(listed[slug], "list apps")

    @invariant()
    def no_secret_returned_twice(self) -> None:
        """Each create and rotate returned a secret never seen before."""
        _check(len(self._secrets) == len(self._secrets_returned), "a secret was returned twice")

    # Model and checks

    def _call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        """One backend API call, kept under the backend's own rate limit: when a minute of virtual time already
        holds ``api_calls_per_minute`` calls, the clock moves a minute on first."""
        while self._api_calls and self._api_calls[0] <= self._now_ms - _API_WINDOW_MS:
            self._api_calls.popleft()
        if len(self._api_calls) >= self.api_calls_per_minute:
            self._advance(_API_WINDOW_MS)
            self._api_calls.clear()
        self._api_calls.append(self._now_ms)
        return self.api.request(method, path, json=json, params=params)

    def _create_scheme(self, slug: str, limit: LimitRule) -> tuple[str, ...]:
        body = {"slug": slug, "name": slug.title(), "rules": [limit.request_json()]}
        response = self._call("POST", "/api-auth/rate-limit-schemes", json=body)
        if slug in self._scheme_rules:
            _expect_error(response, 409, f"Rate limit scheme '{slug}' already exists", f"create scheme {slug} again")
            return ()
        scheme = _ok(response, f"create scheme {slug}")
        _check(scheme["slug"] == slug, f"create scheme {slug}: answered slug {scheme['slug']!r}")
        _check(scheme["rules"] == [limit.echoed_json()], f"create scheme {slug}: rules echoed as {scheme['rules']}")
        self._scheme_rules[slug] = limit
        return (slug,)

    def _advance(self, ms: int) -> None:
        self.advance_clock(ms)
        self._now_ms += ms

    def _rule_for(self, key: _Key) -> LimitRule:
        """The rule the gateway applies: the key's scheme slug, else the app's; the default without a scheme."""
        slug = key.scheme if key.scheme is not None else self._app_models[key.app].scheme
        return self._scheme_rules.get(slug, _DEFAULT_RULE) if slug is not None else _DEFAULT_RULE

    def _counter(self, limit: LimitRule, key: _Key) -> tuple[object, ...]:
        """per_key counts per key and path; per_app (and no mode) per app; the window is part of the counter."""
        if limit.mode == "per_key":
            return ("key", key.id, self.resource, limit.window_ms)
        return ("app", key.app, limit.window_ms)

    def _count(self, counter: tuple[object, ...], window_ms: int) -> int:
        return sum(1 for at in self._hits.get(counter, ()) if at > self._now_ms - window_ms)

    def _check_payload(self, key: _Key) -> dict[str, Any]:
        return {"principal": {"type": "api_key", "value": key.secret}, "resource": self.resource, "method": "GET"}

    def _gateway_check(self, key: _Key) -> None:
        if key.state != "active":
            self._expect_rejected(key, "at the gateway")
        else:
            self._check_decision(key)

    def _check_decision(self, key: _Key) -> None:
        limit = self._rule_for(key)
        counter = self._counter(limit, key)
        before = self._count(counter, limit.window_ms)
        mode = limit.mode or "per_app"
        what = f"gateway check of key {key.id} at t={self._now_ms}ms under {limit.rule_string} {mode}"
        decision = _ok(self.gateway.post("/v1/authz/check", json=self._check_payload(key)), what)
        allowed = decision["allowed"]
        if allowed is True:
            self._hits.setdefault(counter, []).append(self._now_ms)
            within = self._count(counter, limit.window_ms)
            _check(
                within <= limit.max_requests,
                f"{what}: allowed, making {within} allowed checks within {limit.window_ms}ms, "
                f"over max_requests={limit.max_requests}",
            )
        expected_allowed = before < limit.max_requests
        _check(
            allowed is expected_allowed,
            f"{what}: allowed={allowed!r}, expected {expected_allowed} ({before} earlier allowed checks in the window)",
        )
        identity = decision["identity"] or {}
        _check(
            identity.get("key_id") == key.id and identity.get("app_slug") == key.app,
            f"{what}: identity {identity}",
        )
        remaining = limit.max_requests - (before + 1) if allowed else max(0, limit.max_requests - before)
        expected = {
            "reason": None if allowed else "rate_limited",
            "blocked_rule": None if allowed else limit.rule_string,
            "retry_after": None if allowed else limit.window_ms,
            "rate_limits": [{"rule": limit.rule_string, "remaining": remaining, "limit": limit.max_requests}],
        }
        got = {name: decision.get(name) for name in expected}
        _check(got == expected, f"{what}: answered {got}, expected {expected}")

    def _expect_rejected(self, key: _Key, when: str) -> None:
        what = f"gateway check of {key.state} key {key.id} {when}"
        response = self.gateway.post("/v1/authz/check", json=self._check_payload(key))
        _check(
            response.status_code == 401 and response.text == "Invalid API key",
            f"{what}: answered {response.status_code} {response.text[:300]!r}, expected 401 'Invalid API key'",
        )

    def _issued(self, response: httpx.Response, what: str) -> dict[str, Any]:
        issued: dict[str, Any] = _ok(response, what)
        secret = issued["secret"]
        _check(isinstance(secret, str) and secret not in self._secrets, f"{what}: returned secret {secret!r} again")
        self._secrets_returned.append(secret)
        self._secrets.add(secret)
        _check(
            secret.startswith(f"{self.key_prefix}_") and len(secret) == len(self.key_prefix) + 44,
            f"{what}: secret {secret!r} is not {self.key_prefix}_ + 43 characters",
        )
        _check(issued["is_active"] is True, f"{what}: the new key is not active")
        _check(issued["rate_limits"] == [], f"{what}: rate_limits {issued['rate_limits']}, production answers []")
        return issued

    def _adopt(self, issued: dict[str, Any], app: str, scheme: str | None) -> None:
        key_id = issued["id"]
        _check(key_id not in self._key_models, f"key id {key_id} was issued twice")
        self._key_models[key_id] = _Key(key_id, app, issued["secret"], scheme)
        self._app_models[app].keys.append(key_id)

    def _expected_rate_limits(self, scheme: str | None) -> list[dict[str, Any]]:
        limit = self._scheme_rules.get(scheme) if scheme is not None else None
        return [limit.echoed_json()] if limit is not None else []

    def _check_app(self, app: dict[str, Any], what: str) -> None:
        model = self._app_models[app["app_slug"]]
        expected = self._expected_rate_limits(model.scheme)
        _check(
            app["rate_limits"] == expected,
            f"{what}: app {model.slug} (scheme {model.scheme!r}) has rate_limits {app['rate_limits']}, "
            f"expected {expected}",
        )
        _check(
            app.get("rate_limit_scheme_slug") == model.scheme,
            f"{what}: app {model.slug} has rate_limit_scheme_slug {app.get('rate_limit_scheme_slug')!r}, "
            f"expected {model.scheme!r}",
        )

    def _list_keys(self, app: str, *, include_inactive: bool) -> list[dict[str, Any]]:
        flag = "true" if include_inactive else "false"
        body = _ok(
            self._call("GET", f"/api-auth/apps/{app}/keys", params={"include_inactive": flag}),
            f"list keys of {app} with include_inactive={flag}",
        )
        keys: list[dict[str, Any]] = body["keys"]
        return keys

    def _check_listed_key(self, listed: dict[str, Any]) -> None:
        key = self._key_models[listed["id"]]
        what = f"listed {key.state} key {key.id} of {key.app}"
        _check("secret" not in listed, f"{what}: the listing shows its secret")
        _check(listed["key_suffix"] == key.secret[-8:], f"{what}: key_suffix {listed['key_suffix']!r}")
        _check(listed["is_active"] is (key.state == "active"), f"{what}: is_active {listed['is_active']!r}")
        reason = {"active": None, "rotated": "Rotated", "revoked": _REVOKE_REASON}[key.state]
        _check(listed["revoked_reason"] == reason, f"{what}: revoked_reason {listed['revoked_reason']!r}")
        _check((listed["revoked_at"] is None) is (key.state == "active"), f"{what}: revoked_at {listed['revoked_at']}")
        _check(
            listed.get("rate_limit_scheme_slug") == key.scheme,
            f"{what}: scheme {listed.get('rate_limit_scheme_slug')!r}",
        )
        expected = self._expected_rate_limits(key.scheme)
        _check(listed["rate_limits"] == expected, f"{what}: rate_limits {listed['rate_limits']}, expected {expected}")


class LiveServerStateMachine(WachtStateMachine):
    """``WachtStateMachine`` against a served wacht-mock (``LiveWacht``, the ``wacht_server`` fixture, or
    ``wacht-mock serve`` with a frozen clock), over real HTTP: the control plane resets it before each example
    (``POST /_mock/reset``) and moves its clock (``POST /_mock/clock``).

    The server's seed must not hold apps or schemes with the machine's slugs (``app-1``..., ``SCHEME_SLUGS``).
    Configure a subclass with ``base_url`` and ``secret`` (and ``gateway_url`` when the gateway is elsewhere), or
    get one from ``LiveServerStateMachine.against(url, secret)``.
    """

    base_url: ClassVar[str] = ""
    secret: ClassVar[str] = ""
    gateway_url: ClassVar[str | None] = None

    @classmethod
    def against(cls, base_url: str, secret: str, *, gateway_url: str | None = None) -> type[LiveServerStateMachine]:
        """A subclass driving the server at ``base_url`` with the backend ``secret``."""
        namespace = {"base_url": base_url, "secret": secret, "gateway_url": gateway_url}
        return cast("type[LiveServerStateMachine]", type(f"{cls.__name__}At", (cls,), namespace))

    def __init__(self) -> None:
        if not self.base_url or not self.secret:
            raise TypeError(f"{type(self).__name__} needs base_url and secret: use LiveServerStateMachine.against()")
        self._api = httpx.Client(base_url=self.base_url, headers={"authorization": f"Bearer {self.secret}"})
        self._gateway = httpx.Client(base_url=self.gateway_url or self.base_url)
        try:
            super().__init__()
        except BaseException:
            self._api.close()
            self._gateway.close()
            raise

    def reset_target(self) -> None:
        """``POST /_mock/reset`` (back to the seed: no apps, schemes or keys; counters cleared), then make sure the
        server's clock is frozen, since the model counts windows on the virtual clock."""
        _ok(self._api.post(f"{self.base_url}/_mock/reset"), "POST /_mock/reset")
        clock = _ok(self._api.get(f"{self.base_url}/_mock/clock"), "GET /_mock/clock")
        if clock.get("ticking"):
            raise RuntimeError(
                f"the server at {self.base_url} has a ticking clock; the state machine needs a frozen one "
                "(LiveWacht and the wacht_server fixture freeze theirs)"
            )

    def make_clients(self) -> tuple[httpx.Client, httpx.Client]:
        """The backend API client with ``Authorization: Bearer <secret>`` and a client on the gateway's origin."""
        return self._api, self._gateway

    def advance_clock(self, ms: int) -> None:
        """``POST /_mock/clock {"advance_ms": ms}``."""
        _ok(self._api.post(f"{self.base_url}/_mock/clock", json={"advance_ms": ms}), "POST /_mock/clock")


def _check(condition: bool, message: str) -> None:
    """An AssertionError that survives ``python -O``."""
    if not condition:
        raise AssertionError(message)


def _ok(response: httpx.Response, what: str) -> Any:
    _check(response.status_code == 200, f"{what}: answered {response.status_code} {response.text[:300]}")
    return response.json()


def _expect_error(response: httpx.Response, status: int, message: str, what: str) -> None:
    expected = {"errors": [{"message": message, "code": status}]}
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    _check(
        response.status_code == status and body == expected,
        f"{what}: answered {response.status_code} {response.text[:300]}, expected {status} {expected}",
    )
