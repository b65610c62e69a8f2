"""Real-target mode leaves nothing behind (issue 12, point 2), against a second ``wacht-mock serve`` subprocess
playing the real deployment: what tests create through ``wacht_server.url`` with plain httpx, in a subprocess,
and through the fixtures is found by listing and removed; what cannot be removed is reported at teardown, one
line each; mock-only tests are skipped before they send anything, at their own location. Also the listing
cleanup (``wacht_mock.real_cleanup``) on its own, and the bytecode reading behind the up-front skip.

The target is checked through its control plane: ``GET /_mock/state`` and ``GET /_mock/journal``. Production
soft-deletes apps, so deleted apps (and the revoked keys under them) stay in the state document; "as it was
found" is what an API user can see: the undeleted apps, their active keys and the schemes, each field for field.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_wacht_mock.mock_only import members_used
from serve_subprocess import Server, start

from wacht_mock import RealWacht, WachtMock
from wacht_mock.real_cleanup import Ours, clean_up

pytest_plugins = ["pytester"]

RULES = [{"unit": "minute", "duration": 1, "max_requests": 5}]
SEED = {
    "deployments": [
        {
            "id": 1,
            "plan": "growth",
            "rate_limit_schemes": [{"slug": "shared", "name": "Shared", "rules": RULES}],
            "apps": [
                {"app_slug": "existing", "name": "Existing", "key_prefix": "sk_e", "rate_limit_scheme_slug": "shared"}
            ],
        }
    ]
}


class Target:
    """The running ``wacht-mock serve``: its URL, backend secret and control plane."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = server.url
        self.secret = server.banner[1].rsplit(" ", 1)[1]
        self.control = httpx.Client(base_url=self.url, timeout=30)
        self.api = httpx.Client(base_url=self.url, headers={"authorization": f"Bearer {self.secret}"}, timeout=30)

    def state(self) -> dict[str, Any]:
        answer = self.control.get("/_mock/state")
        assert answer.status_code == 200, answer.text
        deployment: dict[str, Any] = answer.json()["deployments"][0]
        return deployment

    def visible(self) -> dict[str, Any]:
        """What an API user sees: undeleted apps (their active keys under them) and the schemes."""
        apps = {a["app_slug"]: a for a in self.state()["apps"] if a["deleted_at"] is None}
        for app in apps.values():
            app["keys"] = [k for k in app["keys"] if k["is_active"]]
        return {"apps": apps, "schemes": self.state()["rate_limit_schemes"]}

    def journal(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.control.get("/_mock/journal").json()["entries"]
        return entries

    def fault(self, **fields: Any) -> None:
        assert self.control.post("/_mock/faults", json={"kind": "error", **fields}).status_code == 200

    def options(self) -> list[str]:
        return [
            "--wacht-target=real",
            f"--wacht-api-key={self.secret}",
            f"--wacht-base-url={self.url}",
            f"--wacht-gateway-url={self.url}",
            "-rs",
            "-p",
            "no:cacheprovider",
        ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    seed = tmp_path_factory.mktemp("target") / "seed.json"
    seed.write_text(json.dumps(SEED))
    target = Target(start("--seed", str(seed), lines=3))
    yield target
    target.control.close()
    target.api.close()
    target.server.stop()


@pytest.fixture
def target(served: Target) -> Iterator[Target]:
    """The target back at its seed, no fault left, and a key on the existing app (something active to keep)."""
    assert served.control.post("/_mock/reset", json={}).status_code == 200
    assert served.control.delete("/_mock/faults").status_code in (200, 204)
    assert served.api.post("/api-auth/apps/existing/keys", json={"name": "kept"}).status_code == 200
    yield served


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern that matches only itself."""
    return "".join(f"[{c}]" if c in "[]*?" else c for c in text)


def location(written: Path, name: str) -> int:
    """The line pytest reports for test ``name`` in the file ``written``: its first decorator's, or its ``def``'s."""
    lines = written.read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith(f"def {name}("))
    while line > 0 and lines[line - 1].startswith("@"):
        line -= 1
    return line + 1


def token_suffixes(apps: list[dict[str, Any]], *, deleted: bool) -> set[str]:
    return {
        a["app_slug"].split("-", 2)[2]
        for a in apps
        if a["app_slug"].startswith("wm") and (a["deleted_at"] is not None) == deleted
    }


# Everything a test creates, however, is gone afterwards

CREATORS = '''
import subprocess
import sys

import httpx
import pytest

from wacht_mock import WachtMock

RULES = [{"unit": "minute", "duration": 1, "max_requests": 5}]
SCRIPT = """
import sys, httpx
url, secret, slug = sys.argv[1:]
headers = {"authorization": f"Bearer {secret}"}
app = {"app_slug": slug, "name": "Sub", "key_prefix": "sk_s"}
assert httpx.post(url + "/api-auth/apps", json=app, headers=headers).status_code == 200
assert httpx.post(url + f"/api-auth/apps/{slug}/keys", json={"name": "k"}, headers=headers).status_code == 200
"""


def app(slug, **fields):
    return {"app_slug": slug, "name": "App", "key_prefix": "sk_t", **fields}


def auth(handle):
    return {"authorization": f"Bearer {handle.secret}"}


def tick(handle):
    handle.advance(seconds=1)


def test_plain_httpx_through_the_url(wacht_server):
    scheme, slug, off = (wacht_server.unique(name) for name in ("plain-scheme", "plain", "inactive"))
    with httpx.Client(base_url=wacht_server.url, headers=auth(wacht_server)) as api:
        body = {"slug": scheme, "name": "S", "rules": RULES}
        assert api.post("/api-auth/rate-limit-schemes", json=body).status_code == 200
        assert api.post("/api-auth/apps", json=app(slug, rate_limit_scheme_slug=scheme)).status_code == 200
        key = api.post(f"/api-auth/apps/{slug}/keys", json={"name": "k"}).json()
        assert api.post(f"/api-auth/apps/{slug}/keys/{key['id']}/rotate").status_code == 200
        assert api.post("/api-auth/apps", json=app(off, rate_limit_scheme_slug=scheme)).status_code == 200
        assert api.post(f"/api-auth/apps/{off}/keys", json={"name": "k"}).status_code == 200
        assert api.patch(f"/api-auth/apps/{off}", json={"is_active": False}).status_code == 200
        named = {"name": wacht_server.unique("on-existing")}
        assert api.post("/api-auth/apps/existing/keys", json=named).status_code == 200


def test_a_subprocess_through_the_url(wacht_server):
    command = [sys.executable, "-c", SCRIPT, wacht_server.url, wacht_server.secret, wacht_server.unique("sub")]
    subprocess.run(command, check=True, timeout=60)


def test_the_fixture_client_and_routed_httpx(wacht_mock, wacht_client):
    scheme, slug = wacht_mock.unique("client-scheme"), wacht_mock.unique("client")
    body = {"slug": scheme, "name": "S", "rules": RULES}
    assert wacht_client.post("/api-auth/rate-limit-schemes", json=body).status_code == 200
    assert wacht_client.post("/api-auth/apps", json=app(slug, rate_limit_scheme_slug=scheme)).status_code == 200
    assert wacht_client.post(f"/api-auth/apps/{slug}/keys", json={"name": "k"}).status_code == 200
    routed = app(wacht_mock.unique("routed"))
    assert httpx.post("https://api.wacht.dev/api-auth/apps", json=routed, headers=auth(wacht_mock)).status_code == 200


@pytest.mark.wacht(mock_only=False)
def test_a_guarded_mock_only_use_runs(wacht_mock, wacht_client):
    assert wacht_client.post("/api-auth/apps", json=app(wacht_mock.unique("guarded"))).status_code == 200
    if isinstance(wacht_mock, WachtMock):
        wacht_mock.journal.assert_called("createApiAuthApp")


def test_a_helper_needs_the_mock_midway(wacht_server):
    midway = app(wacht_server.unique("midway"))
    assert httpx.post(f"{wacht_server.url}/api-auth/apps", json=midway, headers=auth(wacht_server)).status_code == 200
    tick(wacht_server)
    raise AssertionError("not reached against a real deployment")
'''


def test_real_mode_leaves_the_target_as_it_found_it_however_things_were_created(
    pytester: pytest.Pytester, target: Target
) -> None:
    before = target.visible()
    written = pytester.makepyfile(test_creators=CREATORS)
    result = pytester.runpytest_inprocess(*target.options())
    result.assert_outcomes(passed=4, skipped=1)
    reason = "advance needs wacht-mock (the virtual clock); not available against a real deployment"
    line = location(written, "test_a_helper_needs_the_mock_midway")
    result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] test_creators.py:{line}: {reason}"])
    after = target.visible()
    assert after == before
    apps = target.state()["apps"]
    created = {"plain", "inactive", "sub", "client", "routed", "guarded", "midway"}
    assert token_suffixes(apps, deleted=True) == created  # each way of creating did create, and it went
    assert token_suffixes(apps, deleted=False) == set()
    keys = [k for a in apps for k in a["keys"]]
    assert [k["name"] for k in keys if k["is_active"]] == ["kept"]  # soft-deleted apps keep no active key either
    assert len(keys) == 7  # kept and on-existing; plain's key and its rotation; inactive's, sub's and client's


# What cannot be removed is reported, one line each

LEFTOVERS = """
import httpx

RULES = [{"unit": "minute", "duration": 1, "max_requests": 5}]


def create(handle, path, body):
    answer = httpx.post(handle.url + path, json=body, headers={"authorization": f"Bearer {handle.secret}"})
    assert answer.status_code == 200, answer.text


def test_unlisted(wacht_server):
    slug = wacht_server.unique("unlisted")
    create(wacht_server, "/api-auth/apps", {"app_slug": slug, "name": "U", "key_prefix": "sk_u"})


def test_undeletable(wacht_server):
    slug = wacht_server.unique("undeletable")
    create(wacht_server, "/api-auth/apps", {"app_slug": slug, "name": "U", "key_prefix": "sk_u"})
    create(wacht_server, f"/api-auth/apps/{slug}/keys", {"name": "k"})


def test_pinned(wacht_server):
    scheme = wacht_server.unique("pinned")
    create(wacht_server, "/api-auth/rate-limit-schemes", {"slug": scheme, "name": "P", "rules": RULES})
    patched = httpx.patch(
        wacht_server.url + "/api-auth/apps/existing",
        json={"rate_limit_scheme_slug": scheme},
        headers={"authorization": f"Bearer {wacht_server.secret}"},
    )
    assert patched.status_code == 200
"""


def test_real_mode_reports_each_leftover_and_why_at_teardown(pytester: pytest.Pytester, target: Target) -> None:
    target.fault(operation="listApiAuthApps", status=503, count=1)  # test_unlisted's cleanup cannot list the apps
    target.fault(operation="deleteApiAuthApp", status=503, count=1)  # test_undeletable's cannot delete its app
    pytester.makepyfile(test_leftovers=LEFTOVERS)
    result = pytester.runpytest_inprocess(*target.options())
    result.assert_outcomes(passed=3, errors=3)
    down = '{"errors":[{"message":"Something went wrong","code":503}]}'
    pinned = (
        '{"errors":[{"message":"Cannot delete rate limit scheme while it is assigned to API auth apps","code":400}]}'
    )
    for test, problem in [
        (
            "test_unlisted",
            f"GET /api-auth/apps?include_inactive=true&limit=100&offset=0: 503 {down}"
            " (could not list them: any app of this test may be left)",
        ),
        ("test_undeletable", f"DELETE /api-auth/apps/wm*-undeletable: 503 {down}"),
        ("test_pinned", f"DELETE /api-auth/rate-limit-schemes/wm*-pinned: 400 {pinned}"),
    ]:
        result.stdout.fnmatch_lines(
            [
                f"*_ ERROR at teardown of {test} _*",
                "wacht-mock could not clean up the real deployment:",
                literal(problem).replace("[*]", "*"),
                "(each line: a request the clean-up sent and its answer; what it names is left: remove it by hand)",
            ]
        )
    assert "Traceback" not in result.stdout.str() and "plugin.py" not in result.stdout.str()
    state = target.state()
    assert token_suffixes(state["apps"], deleted=False) == {"unlisted", "undeletable"}
    undeletable = next(a for a in state["apps"] if a["app_slug"].endswith("-undeletable"))
    assert [k["is_active"] for k in undeletable["keys"]] == [False]  # its keys were revoked before the delete
    assert [s["slug"].split("-", 2)[2] for s in state["rate_limit_schemes"] if s["slug"] != "shared"] == ["pinned"]


# Mock-only tests are skipped before they do anything, at their own location

MOCK_ONLY = """
import httpx
import pytest


def app(slug):
    return {"app_slug": slug, "name": "App", "key_prefix": "sk_t"}


@pytest.fixture
def seeded(wacht_mock):
    wacht_mock.add_app(**app("seeded"))
    return wacht_mock


def test_advance_midway(wacht_mock, wacht_client):
    assert wacht_client.post("/api-auth/apps", json=app(wacht_mock.unique("early"))).status_code == 200
    wacht_mock.advance(seconds=61)


def test_journal_in_a_nested_function(wacht_server):
    headers = {"authorization": f"Bearer {wacht_server.secret}"}
    httpx.post(f"{wacht_server.url}/api-auth/apps", json=app(wacht_server.unique("nested")), headers=headers)

    def check():
        wacht_server.journal.assert_called("createApiAuthApp")

    check()


def test_a_fixture_seeds(seeded, wacht_client):
    wacht_client.post("/api-auth/apps", json=app(seeded.unique("after-seeding")))


@pytest.mark.wacht(mock_only=True)
def test_marked(wacht_client):
    wacht_client.post("/api-auth/apps", json=app("marked"))
"""


def test_mock_only_tests_are_skipped_before_they_send_anything(pytester: pytest.Pytester, target: Target) -> None:
    state, journal = target.state(), target.journal()
    written = pytester.makepyfile(test_mock_only=MOCK_ONLY)
    result = pytester.runpytest_inprocess(*target.options())
    result.assert_outcomes(skipped=4)
    unavailable = "not available against a real deployment"
    for test, reason in [
        ("test_advance_midway", f"advance needs wacht-mock (the virtual clock); {unavailable}"),
        ("test_journal_in_a_nested_function", f"journal needs wacht-mock (the request journal); {unavailable}"),
        ("test_a_fixture_seeds", f"add_app needs wacht-mock (seeding); {unavailable} (fixture 'seeded' uses it)"),
        ("test_marked", f"@pytest.mark.wacht(mock_only=True) needs wacht-mock; {unavailable}"),
    ]:
        line = location(written, test)
        result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] test_mock_only.py:{line}: {literal(reason)}"])
    assert "plugin.py" not in result.stdout.str()
    assert target.journal() == journal  # not one request: no test body, no fixture, no cleanup reached the target
    assert target.state() == state


# The listing cleanup on its own


def test_clean_up_pages_through_every_app_and_keeps_what_is_not_the_tests() -> None:
    mock = WachtMock()
    with mock.client() as api:
        for n in range(7):
            assert (
                api.post(
                    "/api-auth/apps", json={"app_slug": f"wmrun-t-{n}", "name": "A", "key_prefix": "sk"}
                ).status_code
                == 200
            )
            assert api.post(f"/api-auth/apps/wmrun-t-{n}/keys", json={"name": "k"}).status_code == 200
        for slug in ("other", "wmrun-u-1"):  # another app, and another test's
            assert (
                api.post("/api-auth/apps", json={"app_slug": slug, "name": "A", "key_prefix": "sk"}).status_code == 200
            )
        assert api.post("/api-auth/apps/other/keys", json={"name": "wmrun-t-key"}).status_code == 200
        assert api.post("/api-auth/apps/other/keys", json={"name": "theirs"}).status_code == 200
        assert clean_up(api, Ours(token="wmrun-t-"), page_size=2) == []
    d = mock.backend.deployment(1)
    assert sorted(slug for slug, a in d.apps.items() if a.deleted_at is None) == ["other", "wmrun-u-1"]
    assert sorted((k.app_slug, k.name) for k in d.keys.values() if k.is_active) == [("other", "theirs")]
    assert len(mock.journal.calls("listApiAuthApps")) == 5  # 9 apps, 2 a page


def test_clean_up_ends_on_a_target_that_always_says_more() -> None:
    page = {"data": [{"app_slug": "same"}], "has_more": True, "limit": 1, "offset": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api-auth/apps":
            return httpx.Response(200, json=page)
        if request.url.path.endswith("/keys"):
            return httpx.Response(200, json={"keys": []})
        return httpx.Response(200, json={"schemes": [], "total": 0})

    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://target") as api:
        assert clean_up(api, Ours(token="wmrun-t-")) == []


def test_an_unreachable_target_is_reported_not_raised() -> None:
    problems = RealWacht("sk_unused", base_url="http://127.0.0.1:9", run_id="run").cleanup()
    assert [p.split(":", 1)[0] for p in problems] == [
        "GET /api-auth/apps?include_inactive=true&limit=100&offset=0",
        "GET /api-auth/rate-limit-schemes",
    ]
    assert all("ConnectError" in p and p.endswith("of this test may be left)") for p in problems)


# What the up-front skip reads


def test_members_used_reads_attributes_off_the_handles_in_nested_code_too() -> None:
    def body(wacht_mock: Any, wacht_server: Any, other: Any) -> None:
        wacht_mock.unique("x")
        other.advance()
        wacht_server.mock.journal.calls("createApiAuthApp")

        def inner() -> Any:
            return wacht_mock.clock

        inner()

    assert list(members_used(body.__code__)) == ["unique", "mock", "clock"]


def test_mock_only_names_every_refusing_member_and_its_power() -> None:
    from test_handle import MOCK_ONLY as USES  # each refusing member, its power, and a use of it

    refusing = {name for name in dir(RealWacht) if not name.startswith("_") and _refuses(name)}
    assert refusing == set(RealWacht.MOCK_ONLY) == set(USES)
    assert dict(RealWacht.MOCK_ONLY) == {name: power for name, (power, _) in USES.items()}
    reason = "advance needs wacht-mock (the virtual clock); not available against a real deployment"
    assert RealWacht.mock_only_reason("advance") == reason


def _refuses(name: str) -> bool:
    member = inspect.getattr_static(RealWacht, name)
    function = getattr(member, "fget", None) or getattr(member, "__func__", None) or member
    return callable(function) and "self._needs_mock(" in inspect.getsource(function)
