"""Removing what one test left on a real deployment, found by listing (``RealWacht.cleanup``).

What counts as the test's: every app, scheme and key whose slug or name carries the test's token (what
``RealWacht.unique`` puts in front of a name), however it was created (the fixture's client, plain httpx through
``wacht_server.url``, a subprocess), plus what the handle saw being created without the token.

The order is the one production accepts (backend-behaviour.md §4.5, §5.6, §6.3): deleting an app is a soft
delete that leaves its keys active (and unreachable afterwards), and a scheme cannot be deleted while an undeleted
app or an unrevoked key still names it. So: list every app (inactive ones too, page by page; ``search`` is exact
slug equality, so it cannot find a token) and each app's active keys; revoke the keys of the test's apps and the
test's keys on other apps; delete the test's apps; list the schemes and delete the test's. A removal the target
refuses is reported as one line, the request (whose path names what is left) and the answer (why); a list it
cannot give, as the request, the answer and what may be left because of it. Nothing raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

APPS_PAGE = 100
"""How many apps one list request asks for (production has no upper clamp; its default is 50)."""
_BODY_SHOWN = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Ours:
    """What belongs to one test: names carrying ``token``, and what the handle saw created (slugs, key ids)."""

    token: str
    apps: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()

    def app(self, slug: str) -> bool:
        """Whether the app with this slug is the test's."""
        return self.token in slug or slug in self.apps

    def scheme(self, slug: str) -> bool:
        """Whether the scheme with this slug is the test's."""
        return self.token in slug or slug in self.schemes

    def key(self, key: dict[str, Any]) -> bool:
        """Whether this key (as listed) is the test's, on an app that is not."""
        return self.token in str(key.get("name", "")) or str(key.get("id")) in self.keys


class _Unlisted(Exception):
    """A list request that gave no usable answer (already written down as a problem)."""


@dataclass(slots=True)
class _Sweep:
    api: httpx.Client
    problems: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, *, json: Any = None, left: str = "") -> httpx.Response | None:
        """Send one request; a transport error or a status of 400 and above (404 aside: gone already) is a
        problem, written with ``left`` after it."""
        try:
            answer = self.api.request(method, path, json=json)
        except httpx.HTTPError as exc:
            self.problems.append(f"{method} {path}: {type(exc).__name__}: {exc}{left}")
            return None
        if answer.status_code >= 400 and answer.status_code != 404:
            self.problems.append(f"{method} {path}: {answer.status_code} {answer.text[:_BODY_SHOWN]}{left}")
            return None
        return answer

    def body(self, path: str, what: str, member: str, *, gone_ok: bool = False) -> dict[str, Any]:
        """The answer to ``GET path``, holding a list of objects under ``member``; ``_Unlisted`` when it is not
        (a 404 with ``gone_ok`` is no problem: what was to be listed has gone since)."""
        left = f" (could not list them: {what} may be left)"
        answer = self.request("GET", path, left=left)
        if answer is None or (gone_ok and answer.status_code == 404):
            raise _Unlisted
        try:
            body = answer.json()
            if answer.status_code != 200 or not all(isinstance(item, dict) for item in body[member]):
                raise TypeError(member)
        except (ValueError, KeyError, TypeError):
            self.problems.append(f"GET {path}: {answer.status_code} {answer.text[:_BODY_SHOWN]}{left}")
            raise _Unlisted from None
        return dict(body)

    def apps(self, page_size: int) -> list[dict[str, Any]]:
        """Every undeleted app, inactive ones too, newest first, page by page (each once)."""
        found: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            path = f"/api-auth/apps?include_inactive=true&limit={page_size}&offset={offset}"
            page = self.body(path, "any app of this test", "data")
            fresh = {str(app.get("app_slug")): app for app in page["data"] if str(app.get("app_slug")) not in found}
            found.update(fresh)
            offset += len(page["data"])
            # a page with nothing new ends it too: a target that keeps saying ``has_more`` cannot loop forever
            if not page.get("has_more") or not fresh:
                return list(found.values())


def clean_up(api: httpx.Client, ours: Ours, *, page_size: int = APPS_PAGE) -> list[str]:
    """Remove everything of ``ours`` from the deployment ``api`` is authenticated on; returns the problems met,
    one line each (empty when everything went)."""
    sweep = _Sweep(api)
    try:
        _remove(sweep, ours, page_size)
    except _Unlisted:
        pass
    return sweep.problems


def _remove(sweep: _Sweep, ours: Ours, page_size: int) -> None:
    try:
        apps = [str(app.get("app_slug")) for app in sweep.apps(page_size)]
    except _Unlisted:
        apps = []
    for slug in apps:
        path = f"/api-auth/apps/{quote(slug, safe='')}/keys"
        try:
            keys = sweep.body(path, f"keys of this test on app {slug}", "keys", gone_ok=True)["keys"]
        except _Unlisted:
            continue
        for key in keys:
            if ours.app(slug) or ours.key(key):
                revoke = f"{path}/{quote(str(key.get('id')), safe='')}/revoke"
                sweep.request("POST", revoke, json={"reason": "wacht-mock cleanup"})
    for slug in apps:
        if ours.app(slug):
            sweep.request("DELETE", f"/api-auth/apps/{quote(slug, safe='')}")
    for scheme in sweep.body("/api-auth/rate-limit-schemes", "any scheme of this test", "schemes")["schemes"]:
        slug = str(scheme.get("slug"))
        if ours.scheme(slug):
            sweep.request("DELETE", f"/api-auth/rate-limit-schemes/{quote(slug, safe='')}")
