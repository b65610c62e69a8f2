"""``WachtStateMachine``: a Hypothesis state machine that drives Wacht's API-auth backend and gateway over HTTP and
checks what production guarantees, against an independent ``Model`` of what the target should hold and answer.

It creates rate-limit schemes and apps, issues, rotates and revokes keys, edits schemes, asks the gateway about
keys and moves the clock. After every step it checks:

* ``include_inactive=true`` key listings hold exactly the app's keys, ``include_inactive=false`` exactly the
  active ones (each with its scheme's rules, its suffix and its revocation);
* every app's ``rate_limits`` equal its scheme's rules as the backend echoes them (``[]`` without a scheme or
  with an unknown slug);
* no secret was returned twice.

And in the steps themselves: a rotated-away or revoked key never authorizes (401 ``Invalid API key``), the gateway
allows no more than ``max_requests`` checks on a counter within a window, and each decision is the one the
model predicts (an exact sliding window on the virtual clock, as the mock promises).
"""

from __future__ import annotations

from typing import Any, ClassVar

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

from ..mock import WachtMock
from .checks import app_fields, check, expect_error, expect_fields, listed_key_fields, ok
from .model import REVOKE_REASON, KeyRecord, LimitRule, Model
from .target import InProcessTarget, Target, default_clients

__all__ = ["CLOCK_STEPS_MS", "SCHEME_SLUGS", "WachtStateMachine", "limit_rules"]

# Slugs apps may name whether or not the scheme exists yet: an unknown slug is stored as given (rate_limits [],
# the gateway's default rule) and picked up once a scheme with that slug is created. Every example starts with
# the first two created, so most apps get a small limit to run into; the third exists only once a step creates it.
SCHEME_SLUGS = ("basic", "burst", "strict")
# How far ``pass_time`` moves the virtual clock: inside and across second and minute windows.
CLOCK_STEPS_MS = (1, 500, 1000, 61_000)


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


class WachtStateMachine(RuleBasedStateMachine):
    """Drives the backend API and the gateway through create app → create key → rotate → revoke → gateway check
    → scheme edits → clock advances, checking production's guarantees against a ``Model`` (see the module
    docstring).

    Each example drives its own target, made by ``make_target()`` and reset at the example's first step. By
    default that is an ``InProcessTarget``: a fresh in-process ``WachtMock`` (in ``self.mock``). To drive another
    target, override ``make_target()`` to return any ``Target`` (``reset``, ``api``, ``gateway``, ``advance``,
    ``close``); to keep the in-process mock but go through your own clients, override ``make_clients()`` to
    return ``(api, gateway)`` built on ``self.mock`` (``api`` authenticated on the backend API, ``gateway`` on a
    base URL serving ``POST /v1/authz/check``).

    Class attributes size the state: ``max_apps``, ``max_active_keys_per_app``, ``resource`` (the one path the
    gateway is asked about), ``key_prefix``, and ``api_calls_per_minute`` (the backend API's own limit: the
    machine advances the clock a minute rather than exceed it).
    """

    max_apps: ClassVar[int] = 3
    max_active_keys_per_app: ClassVar[int] = 4
    resource: ClassVar[str] = "/orders"
    key_prefix: ClassVar[str] = "sk_test"
    api_calls_per_minute: ClassVar[int] = 1000

    schemes = Bundle("schemes")
    apps = Bundle("apps")
    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self.model = Model(resource=self.resource)
        self._target: Target | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # These hooks were called by earlier versions; overriding one now would silently change nothing.
        retired = [f"{name}()" for name in ("reset_target", "advance_clock") if name in vars(cls)]
        if retired:
            raise TypeError(
                f"{cls.__name__} overrides {' and '.join(retired)}, which WachtStateMachine no longer calls: "
                "override make_target() to return a Target instead"
            )

    # The target

    def make_target(self) -> Target:
        """The target of this example, not reset yet. Default: an ``InProcessTarget`` using ``make_clients``."""
        return InProcessTarget(clients=lambda _mock: self.make_clients())

    def make_clients(self) -> tuple[httpx.Client, httpx.Client]:
        """The ``(api, gateway)`` clients into ``self.mock``, for the default in-process target."""
        return default_clients(self.mock)

    @property
    def target(self) -> Target:
        """This example's target: made by ``make_target()`` and reset on first use."""
        if self._target is None:
            self._target = target = self.make_target()
            target.reset()
        return self._target

    @property
    def mock(self) -> WachtMock:
        """The in-process mock of this example (only when the target is an ``InProcessTarget``)."""
        target = self.target
        if not isinstance(target, InProcessTarget):
            raise AttributeError(f"{type(self).__name__} drives a {type(target).__name__}, not an in-process mock")
        return target.mock

    @property
    def api(self) -> httpx.Client:
        """The target's backend API client."""
        return self.target.api

    @property
    def gateway(self) -> httpx.Client:
        """The target's gateway client."""
        return self.target.gateway

    def teardown(self) -> None:
        """Close the target's clients."""
        if self._target is not None:
            self._target.close()

    # Rules: schemes

    @initialize(target=schemes, basic=limit_rules(), burst=limit_rules())
    def create_first_schemes(self, basic: LimitRule, burst: LimitRule) -> MultipleResults[str]:
        """Every example starts with schemes ``basic`` and ``burst`` (``strict`` is left for a step to create)."""
        return multiple(*self._create_scheme("basic", basic), *self._create_scheme("burst", burst))

    @precondition(lambda self: len(self.model.schemes) < len(SCHEME_SLUGS))
    @rule(target=schemes, slug=st.sampled_from(SCHEME_SLUGS), limit=limit_rules())
    def create_scheme(self, slug: str, limit: LimitRule) -> MultipleResults[str]:
        """POST /api-auth/rate-limit-schemes (while one of ``SCHEME_SLUGS`` is missing); a taken slug is a 409."""
        return multiple(*self._create_scheme(slug, limit))

    @precondition(lambda self: bool(self.model.keys))
    @rule(slug=schemes, limit=limit_rules())
    def update_scheme(self, slug: str, limit: LimitRule) -> None:
        """PATCH a scheme's rules; apps and keys naming it see the new rule at their next read and check (the
        counters keep their hits)."""
        response = self._call("PATCH", f"/api-auth/rate-limit-schemes/{slug}", json={"rules": [limit.request_json()]})
        scheme = ok(response, f"update scheme {slug}")
        check(scheme["rules"] == [limit.echoed_json()], f"update scheme {slug}: rules echoed as {scheme['rules']}")
        self.model.update_scheme(slug, limit)

    # Rules: apps

    @precondition(lambda self: len(self.model.apps) < self.max_apps)
    @rule(target=apps, scheme=st.sampled_from(SCHEME_SLUGS) | st.none())
    def create_app(self, scheme: str | None) -> str:
        """POST /api-auth/apps (the target is on the Growth plan), with or without a scheme slug."""
        number = len(self.model.apps) + 1
        slug = f"app-{number}"
        body = {"app_slug": slug, "name": f"App {number}", "key_prefix": self.key_prefix}
        if scheme is not None:
            body["rate_limit_scheme_slug"] = scheme
        app = ok(self._call("POST", "/api-auth/apps", json=body), f"create app {slug}")
        self.model.create_app(slug, scheme)
        self._check_app(app, f"create app {slug}")
        return slug

    @precondition(lambda self: bool(self.model.keys))
    @rule(app=apps, scheme=st.sampled_from(SCHEME_SLUGS))
    def patch_app_scheme(self, app: str, scheme: str) -> None:
        """PATCH an app's scheme slug; it cascades to every key of the app, revoked ones included."""
        response = self._call("PATCH", f"/api-auth/apps/{app}", json={"rate_limit_scheme_slug": scheme})
        body = ok(response, f"patch app {app} to scheme {scheme}")
        self.model.set_app_scheme(app, scheme)
        self._check_app(body, f"patch app {app} to scheme {scheme}")

    # Rules: keys

    @rule(target=keys, app=apps)
    def create_key(self, app: str) -> MultipleResults[str]:
        """POST /api-auth/apps/{app}/keys (nothing when the app already has ``max_active_keys_per_app``)."""
        if len(self.model.active_keys(app)) >= self.max_active_keys_per_app:
            return multiple()
        body = {"name": f"key-{len(self.model.keys) + 1}"}
        issued = self._issued(self._call("POST", f"/api-auth/apps/{app}/keys", json=body), f"create a key of {app}")
        self.model.create_key(app, issued["id"], issued["secret"])
        return multiple(issued["id"])

    @rule(target=keys, key=keys)
    def rotate_key(self, key: str) -> MultipleResults[str]:
        """POST .../keys/{id}/rotate: a new key (new id, new secret, the old scheme slug); the old one is done.
        Rotating an inactive key is a 404."""
        old = self.model.keys[key]
        response = self._call("POST", f"/api-auth/apps/{old.app}/keys/{key}/rotate", json={})
        refusal = self.model.rotate_error(key)
        if refusal is not None:
            expect_error(response, refusal, f"rotate {old.state} key {key}")
            return multiple()
        issued = self._issued(response, f"rotate key {key}")
        check(issued["id"] != key, f"rotate key {key}: the new key has the old id")
        self.model.rotate_key(key, issued["id"], issued["secret"])
        self._expect_rejected(old, "after its rotation")
        return multiple(issued["id"])

    @rule(key=keys)
    def revoke_key(self, key: str) -> None:
        """POST .../keys/{id}/revoke; revoking an inactive (revoked or rotated-away) key is a 404."""
        model = self.model.keys[key]
        response = self._call("POST", f"/api-auth/apps/{model.app}/keys/{key}/revoke", json={"reason": REVOKE_REASON})
        refusal = self.model.revoke_error(key)
        if refusal is not None:
            expect_error(response, refusal, f"revoke {model.state} key {key}")
            return
        body = ok(response, f"revoke key {key}")
        check(body == {}, f"revoke key {key}: answered {body}, expected {{}}")
        self.model.revoke_key(key)
        self._expect_rejected(model, "after its revocation")

    # Rules: gateway and clock

    @rule(key=keys, times=st.integers(1, 4))
    def gateway_check(self, key: str, times: int) -> None:
        """Ask the gateway about a key ``times`` times at the same instant: an inactive key gets the plain-text
        401; an active one gets the decision the model predicts, and never more than ``max_requests`` allowed
        checks on a counter within its window."""
        for _ in range(times):
            self._gateway_check(self.model.keys[key])

    @precondition(lambda self: bool(self.model.keys))
    @rule()
    def gateway_check_every_key(self) -> None:
        """Ask the gateway about every key issued so far, once each (the keys of an app share its per_app
        counters)."""
        for key in list(self.model.keys.values()):
            self._gateway_check(key)

    @precondition(lambda self: bool(self.model.keys))
    @rule(ms=st.sampled_from(CLOCK_STEPS_MS))
    def pass_time(self, ms: int) -> None:
        """Move the virtual clock (windows slide; expired hits stop counting)."""
        self._advance(ms)

    # Invariants

    @invariant()
    def key_listings_are_exact(self) -> None:
        """``include_inactive=true`` lists every key of the app, ``false`` exactly the active ones, each with its
        state, suffix and scheme rules, and never a secret."""
        for slug, app in self.model.apps.items():
            everything = self._list_keys(slug, include_inactive=True)
            listed = sorted(k["id"] for k in everything)
            check(
                listed == sorted(app.keys),
                f"keys of {slug} with include_inactive=true: listed {listed}, issued {sorted(app.keys)}",
            )
            for key in everything:
                self._check_listed_key(key)
            active = sorted(self.model.active_keys(slug))
            listed_active = sorted(k["id"] for k in self._list_keys(slug, include_inactive=False))
            check(listed_active == active, f"active keys of {slug}: listed {listed_active}, expected {active}")

    @invariant()
    def app_rate_limits_follow_their_scheme(self) -> None:
        """Every app's ``rate_limits`` are its scheme's rules as echoed, ``[]`` without one or for an unknown slug."""
        if not self.model.apps:
            return
        page = ok(self._call("GET", "/api-auth/apps", params={"include_inactive": "true", "limit": 50}), "list apps")
        listed = {app["app_slug"]: app for app in page["data"]}
        for slug in self.model.apps:
            check(slug in listed, f"list apps: {slug} is missing from {sorted(listed)}")
            self._check_app(listed[slug], "list apps")

    @invariant()
    def no_secret_returned_twice(self) -> None:
        """Each create and rotate returned a secret never seen before."""
        secrets = self.model.secrets_returned
        check(len(set(secrets)) == len(secrets), "a secret was returned twice")

    # Driving the target

    def _call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        """One backend API call, kept under the backend's own rate limit: when a minute of virtual time already
        holds ``api_calls_per_minute`` calls, the clock moves a minute on first."""
        delay = self.model.api_call_delay_ms(self.api_calls_per_minute)
        if delay:
            self._advance(delay)
        self.model.record_api_call()
        return self.api.request(method, path, json=json, params=params)

    def _advance(self, ms: int) -> None:
        self.target.advance(ms)
        self.model.advance(ms)

    def _create_scheme(self, slug: str, limit: LimitRule) -> tuple[str, ...]:
        body = {"slug": slug, "name": slug.title(), "rules": [limit.request_json()]}
        response = self._call("POST", "/api-auth/rate-limit-schemes", json=body)
        refusal = self.model.create_scheme_error(slug)
        if refusal is not None:
            expect_error(response, refusal, f"create scheme {slug} again")
            return ()
        scheme = ok(response, f"create scheme {slug}")
        check(scheme["slug"] == slug, f"create scheme {slug}: answered slug {scheme['slug']!r}")
        check(scheme["rules"] == [limit.echoed_json()], f"create scheme {slug}: rules echoed as {scheme['rules']}")
        self.model.create_scheme(slug, limit)
        return (slug,)

    def _gateway_check(self, key: KeyRecord) -> None:
        if key.state != "active":
            self._expect_rejected(key, "at the gateway")
            return
        expected = self.model.predict(key.id)
        limit = expected.rule
        what = (
            f"gateway check of key {key.id} at t={self.model.now_ms}ms under {limit.rule_string} "
            f"{limit.mode or 'per_app'}"
        )
        decision = ok(self.gateway.post("/v1/authz/check", json=self.model.check_request(key.id)), what)
        allowed = decision["allowed"]
        if allowed is True:
            within = self.model.record_allowed(key.id)
            check(
                within <= limit.max_requests,
                f"{what}: allowed, making {within} allowed checks within {limit.window_ms}ms, "
                f"over max_requests={limit.max_requests}",
            )
        check(
            allowed is expected.allowed,
            f"{what}: allowed={allowed!r}, expected {expected.allowed} "
            f"({expected.before} earlier allowed checks in the window)",
        )
        identity = decision["identity"] or {}
        check(identity.get("key_id") == key.id and identity.get("app_slug") == key.app, f"{what}: identity {identity}")
        want = expected.expected_json()
        got = {name: decision.get(name) for name in want}
        check(got == want, f"{what}: answered {got}, expected {want}")

    def _expect_rejected(self, key: KeyRecord, when: str) -> None:
        what = f"gateway check of {key.state} key {key.id} {when}"
        response = self.gateway.post("/v1/authz/check", json=self.model.check_request(key.id))
        check(
            response.status_code == 401 and response.text == "Invalid API key",
            f"{what}: answered {response.status_code} {response.text[:300]!r}, expected 401 'Invalid API key'",
        )

    def _issued(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The checked answer of a create or rotate: a fresh, well-formed secret and an unseen id."""
        issued: dict[str, Any] = ok(response, what)
        secret = issued["secret"]
        check(isinstance(secret, str) and self.model.is_new_secret(secret), f"{what}: returned secret {secret!r} again")
        check(
            secret.startswith(f"{self.key_prefix}_") and len(secret) == len(self.key_prefix) + 44,
            f"{what}: secret {secret!r} is not {self.key_prefix}_ + 43 characters",
        )
        check(issued["is_active"] is True, f"{what}: the new key is not active")
        check(issued["rate_limits"] == [], f"{what}: rate_limits {issued['rate_limits']}, production answers []")
        check(issued["id"] not in self.model.keys, f"key id {issued['id']} was issued twice")
        return issued

    def _check_app(self, app: dict[str, Any], what: str) -> None:
        slug = app["app_slug"]
        expect_fields(app_fields(app), self.model.expected_app(slug), f"{what}: app {slug}")

    def _list_keys(self, app: str, *, include_inactive: bool) -> list[dict[str, Any]]:
        flag = "true" if include_inactive else "false"
        body = ok(
            self._call("GET", f"/api-auth/apps/{app}/keys", params={"include_inactive": flag}),
            f"list keys of {app} with include_inactive={flag}",
        )
        keys: list[dict[str, Any]] = body["keys"]
        return keys

    def _check_listed_key(self, listed: dict[str, Any]) -> None:
        key = self.model.keys[listed["id"]]
        what = f"listed {key.state} key {key.id} of {key.app}"
        check("secret" not in listed, f"{what}: the listing shows its secret")
        expect_fields(listed_key_fields(listed), self.model.expected_listed_key(key.id), what)
