"""Running scenarios against a target: any base URL that speaks Wacht's backend API (and gateway).

Each scenario gets its own prefix (``wm<run>-<scenario hash>-``, available as ``${prefix}``); what it creates is
tracked from the answers and deleted when it ends (keys revoked, apps deleted, schemes deleted), pass or fail.
Requirements the target cannot meet skip the scenario with the reason. Steps run in order and stop at the first
mismatch, since later steps build on earlier ones.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
import yaml

from ..errors import UsageError
from ..real import RealWacht
from ..redact import redact_text as redact
from .matching import mismatches
from .reach import check_reachable
from .report import Report, ScenarioResult, StepFailure
from .scenario import Requirement, Scenario, ScenarioError, Step

StepHook = Callable[[Scenario, int, Literal["start", "end"]], None]
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SHOWN = 500


@dataclass(frozen=True, slots=True)
class TargetContext:
    """What a target deployment already has, for scenarios that need seeded users (``requires: [users]``).

    ``user`` belongs to ``organization`` and to ``workspace`` (a workspace of ``organization``);
    ``other_organization`` is one ``user`` does not belong to, and ``other_workspace`` is a workspace of
    ``organization`` that ``user`` does not belong to.
    """

    user: int
    organization: int
    workspace: int
    other_organization: int
    other_workspace: int

    @classmethod
    def load(cls, path: str | Path) -> TargetContext:
        """Read a context file (YAML or JSON mapping of the five ids); problems are one line naming the file."""
        name = str(path)
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UsageError(f"{name}: cannot read the context file: {' '.join(str(exc).split())}") from None
        fields = list(cls.__dataclass_fields__)
        if not isinstance(data, dict):
            raise UsageError(f"{name}: the context file must be a mapping of {', '.join(fields)}")
        unknown = sorted(set(data) - set(fields))
        missing = [f for f in fields if f not in data]
        if unknown or missing:
            problem = f"unknown key {unknown[0]!r}" if unknown else f"missing {', '.join(missing)}"
            raise UsageError(f"{name}: {problem} (the context needs {', '.join(fields)})")
        bad = [f for f in fields if isinstance(data[f], bool) or not isinstance(data[f], int)]
        if bad:
            raise UsageError(f"{name}: {bad[0]}: expected an integer id, got {data[bad[0]]!r}")
        return cls(**{f: data[f] for f in fields})


@dataclass(frozen=True, slots=True)
class Target:
    """Where and as whom to run: the backend API, its secret, and what else the target can provide."""

    base_url: str
    api_key: str
    gateway_url: str | None = None
    starter_api_key: str | None = None
    context: TargetContext | None = None
    burst: bool = False
    timeout: float = 30.0


_REASONS: dict[Requirement, str] = {
    "growth": "needs a deployment on the Growth plan (this one answered app creation with {probe})",
    "starter": "needs a second deployment that is not on Growth (pass --starter-api-key)",
    "users": "needs seeded users, organizations and workspaces (pass --context FILE)",
    "gateway": "needs the gateway (pass --gateway-url)",
    "burst": "sends over 1000 requests to trip the backend API's rate limit (pass --burst)",
}


def verify(
    target: Target,
    scenarios: list[Scenario],
    *,
    run_id: str | None = None,
    echo: Callable[[str], None] | None = None,
    on_step: StepHook | None = None,
) -> Report:
    """Run ``scenarios`` against ``target``, calling ``echo`` with each report line as soon as it is known.

    ``on_step(scenario, index, "start" | "end")`` brackets each step's requests (tests use it to check, in the
    mock's journal, that a step fires the rules it names).

    Scenarios needing ``burst`` run last: once the backend API's rate limit trips, nothing else can pass.
    Raises ``UsageError`` when the target cannot be reached or refuses the API key: the base URL and the gateway
    URL are each checked before any scenario runs, so an unreachable one is never reported as drift.
    """
    check_reachable(target.base_url, "--base-url", timeout=target.timeout)
    if target.gateway_url is not None:
        check_reachable(target.gateway_url, "--gateway-url", timeout=target.timeout)
    run = run_id or uuid.uuid4().hex[:8]
    probe = _probe_plan(target, run) if any("growth" in s.requires for s in scenarios) else None
    ordered = sorted(scenarios, key=lambda s: "burst" in s.requires)
    results: list[ScenarioResult] = []
    with httpx.Client(timeout=target.timeout) as gateway:
        for scenario in ordered:
            result = _run_scenario(target, scenario, run, probe, gateway, on_step or _no_hook)
            results.append(result)
            if echo is not None:
                for line in result.lines():
                    echo(line)
    return Report(results)


def _probe_plan(target: Target, run: str) -> int:
    """Create (and delete) one app to learn whether the deployment is on Growth: 200 if it is, 403 if not."""
    handle = RealWacht(target.api_key, base_url=target.base_url, run_id=run)
    try:
        with handle.client() as api:
            answer = api.post(
                "/api-auth/apps", json={"app_slug": handle.unique("probe"), "name": "probe", "key_prefix": "wm"}
            )
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot reach {target.base_url}: {exc}") from None
    finally:
        handle.cleanup()
    if answer.status_code in (200, 403):
        return answer.status_code
    raise UsageError(f"{target.base_url} refused the probe request: {answer.status_code} {answer.text[:200]}")


def _unmet(target: Target, scenario: Scenario, probe: int | None) -> str | None:
    have: dict[Requirement, bool] = {
        "growth": probe == 200,
        "starter": target.starter_api_key is not None,
        "users": target.context is not None,
        "gateway": target.gateway_url is not None,
        "burst": target.burst,
    }
    reasons = [_REASONS[r].format(probe=probe) for r in scenario.requires if not have[r]]
    return "; ".join(reasons) or None


def _no_hook(scenario: Scenario, index: int, phase: Literal["start", "end"]) -> None:
    pass


def _run_scenario(
    target: Target, scenario: Scenario, run: str, probe: int | None, gateway: httpx.Client, on_step: StepHook
) -> ScenarioResult:
    reason = _unmet(target, scenario, probe)
    if reason is not None:
        return ScenarioResult(scenario, "skip", reason)
    handle = RealWacht(target.api_key, base_url=target.base_url, run_id=run)
    handle.for_test(scenario.name)
    values = _variables(target, handle.prefix)
    result = ScenarioResult(scenario, "pass")
    try:
        with handle.client() as api:
            api.timeout = httpx.Timeout(target.timeout)
            for index, step in enumerate(scenario.steps, start=1):
                on_step(scenario, index, "start")
                problems = _run_step(target, step, values, gateway if step.to_gateway else api)
                on_step(scenario, index, "end")
                result.steps_run = index
                if problems:
                    result.outcome = "fail" if step.divergence is None else "known"
                    result.failure = _failure(index, step, values, problems)
                    break
    except (httpx.HTTPError, ScenarioError) as exc:
        result.outcome = "fail"
        index = result.steps_run + 1
        result.failure = _failure(index, scenario.steps[index - 1], values, [f"{type(exc).__name__}: {exc}"])
    finally:
        result.cleanup_problems = handle.cleanup()
    return result


def _failure(index: int, step: Step, values: Mapping[str, Any], problems: list[str]) -> StepFailure:
    """The failing step as sent (request line and body), with every secret in it or in the answer redacted."""
    try:
        request, sent = _request_line(step, values), _sent(step, values)
    except ScenarioError:  # the step could not be built, so nothing was sent
        request, sent = step.request, None
    return StepFailure(
        index,
        redact(request),
        [redact(p) for p in problems],
        step.rules,
        sent=None if sent is None else redact(sent),
    )


def _sent(step: Step, values: Mapping[str, Any]) -> str | None:
    """The body the step sent, as text (long ones cut); ``None`` when it sent none."""
    content = _content(step, values)
    if content is None:
        return None
    text = content.decode("utf-8", "replace")
    padded = f" (padded with spaces to {step.pad_to} bytes)" if step.pad_to is not None else ""
    return _excerpt(text.rstrip(" ") if padded else text, _SHOWN) + padded


def _excerpt(text: str, limit: int = 300) -> str:
    """``text`` redacted, then cut to ``limit`` characters (in that order, so no secret is cut into view)."""
    text = redact(text)
    return text if len(text) <= limit else text[:limit] + "..."


def _content(step: Step, values: Mapping[str, Any]) -> bytes | None:
    content: bytes | None = None
    if step.has_body:
        content = json.dumps(_substitute(step.body, values), separators=(",", ":")).encode()
    elif step.raw is not None:
        content = _substitute(step.raw, values).encode()
    if step.pad_to is not None:
        content = (content or b"").ljust(step.pad_to, b" ")
    return content


def _variables(target: Target, prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {"prefix": prefix, "api_key": target.api_key}
    if target.starter_api_key is not None:
        values["starter_api_key"] = target.starter_api_key
    if target.context is not None:
        values.update({name: getattr(target.context, name) for name in TargetContext.__dataclass_fields__})
    return values


def _run_step(target: Target, step: Step, values: dict[str, Any], client: httpx.Client) -> list[str]:
    """Send the step (repeating as it asks) and return its mismatches; saves values on success."""
    deadline = time.monotonic() + step.eventually
    while True:
        answer = _send(target, step, values, client)
        for _ in range(step.attempts - 1 if step.until_status else 0):
            if answer.status_code == step.expect.status:
                break
            answer = _send(target, step, values, client)
        problems = _check(step, values, answer)
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(0.5)  # the real audit pipeline lags; only ``eventually`` steps wait, and only while failing
    if not problems:
        problems = _save(step, values, answer)
    return problems


def _query(step: Step, values: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in _substitute(step.query, values).items()}


def _request_line(step: Step, values: Mapping[str, Any]) -> str:
    """The request as sent: ``GET /api-auth/apps?limit=-1``."""
    query = _query(step, values)
    line = f"{step.method} {_substitute(step.path, values)}"
    return f"{line}?{urlencode(query)}" if query else line


def _send(target: Target, step: Step, values: Mapping[str, Any], client: httpx.Client) -> httpx.Response:
    base = target.gateway_url if step.to_gateway else target.base_url
    assert base is not None
    url = base.rstrip("/") + _substitute(step.path, values)
    content = _content(step, values)
    headers: dict[str, str | None] = {"content-type": "application/json"} if step.has_body else {}
    headers.update(_substitute(step.headers, values))
    query = _query(step, values)
    request = client.build_request(step.method, url, params=query or None, content=content)
    for name, value in headers.items():
        if value is None:
            request.headers.pop(name, None)
        else:
            request.headers[name] = value
    return client.send(request)


def _check(step: Step, values: Mapping[str, Any], answer: httpx.Response) -> list[str]:
    expect = step.expect
    problems: list[str] = []
    if answer.status_code != expect.status:
        problems.append(f"status: expected {expect.status}, got {answer.status_code}: {_excerpt(answer.text)}")
    if expect.has_body:
        try:
            body = answer.json()
        except ValueError:
            problems.append(f"body: expected JSON, got {_excerpt(answer.text)!r}")
        else:
            problems += mismatches(_substitute(expect.body, values), body)
    if expect.text is not None:
        problems += mismatches(_substitute(expect.text, values), answer.text, "text")
    for name, wanted in expect.headers.items():
        problems += mismatches(_substitute(wanted, values), answer.headers.get(name), f"headers.{name}")
    return problems[:1] if problems and problems[0].startswith("status:") else problems


def _save(step: Step, values: dict[str, Any], answer: httpx.Response) -> list[str]:
    if not step.save:
        return []
    try:
        body: Any = answer.json()
    except ValueError:
        return [f"save: the answer is not JSON: {_excerpt(answer.text)!r}"]
    for name, path in step.save.items():
        value = body
        for part in path.split("."):
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return [f"save {name}: the answer has no {path}"]
        values[name] = value
    return []


def _substitute(value: Any, values: Mapping[str, Any]) -> Any:
    """Fill ``${name}`` placeholders; a string that is only a placeholder takes the value's own JSON type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole is not None:
            return _lookup(whole[1], values)
        return _PLACEHOLDER.sub(lambda m: str(_lookup(m[1], values)), value)
    if isinstance(value, dict):
        return {k: _substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    return value


def _lookup(name: str, values: Mapping[str, Any]) -> Any:
    if name not in values:
        raise ScenarioError(f"unknown placeholder ${{{name}}} (known: {', '.join(sorted(values))})")
    return values[name]
