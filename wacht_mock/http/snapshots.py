"""``GET /_mock/state`` (the whole state as a seed document, JSON or YAML by ``Accept``) and ``PUT /_mock/state``
(replace the whole state with such a document; it becomes the seed, so ``reset`` comes back to it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import SeedError
from ..harness import Harness
from ..store import JSON_TYPES, YAML_TYPES
from .responses import error_response, json_response

MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def wants_yaml(accept: str | None) -> bool:
    """Whether ``Accept`` prefers YAML to JSON (highest q wins; on a tie, the type named first)."""
    best: dict[str, tuple[float, int]] = {}
    for position, part in enumerate((accept or "").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = "yaml" if media.lower() in YAML_TYPES else "json"
        if media.lower() in (*YAML_TYPES, *JSON_TYPES, "*/*", "application/*"):
            if kind not in best or quality > best[kind][0]:
                best[kind] = (quality, -position)
    yaml_rank = best.get("yaml", (0.0, 0))
    return yaml_rank[0] > 0 and yaml_rank > best.get("json", (0.0, -(10**9)))


async def _read_capped(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_SNAPSHOT_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(harness: Harness) -> list[BaseRoute]:
    """The snapshot routes of one harness."""

    async def state(request: Request) -> Response:
        from ..store import snapshot  # here: ``serve`` starts without the snapshot code

        if request.method == "GET":
            as_yaml = wants_yaml(request.headers.get("accept"))
            body = snapshot.dump(snapshot.export_state(harness.backend), yaml_form=as_yaml)
            return Response(body, 200, media_type="application/yaml" if as_yaml else "application/json")
        media = _media(request.headers.get("content-type", ""))
        if media not in (*JSON_TYPES, *YAML_TYPES):
            return error_response(415, "state: send the snapshot as application/json or application/yaml")
        sent = await _read_capped(request)
        if sent is None:
            return error_response(413, f"state: the snapshot is larger than {MAX_SNAPSHOT_BYTES // 2**20} MiB")
        try:
            seed = snapshot.load(sent, yaml_form=media in YAML_TYPES)
            snapshot.replace_state(harness.backend, seed)
        except SeedError as exc:
            return error_response(400, f"state: {exc}")
        return json_response({"state": "replaced", "deployments": sorted(harness.backend.deployments)})

    return [Route("/_mock/state", state, methods=["GET", "PUT"])]
