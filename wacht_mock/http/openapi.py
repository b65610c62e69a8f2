"""``GET /_mock/openapi.yaml`` and ``GET /_mock/openapi.json``: the corrected contract of the backend API, as
shipped (``contracts/openapi.yaml``), for a frontend's client generator or API explorer."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..contract_files import OPENAPI, contract_path


class _Contract:
    """The file, read on first use and kept for this app (the JSON form takes a parse)."""

    def __init__(self) -> None:
        self._yaml: bytes | None = None
        self._json: bytes | None = None

    def as_yaml(self) -> bytes:
        if self._yaml is None:
            self._yaml = contract_path(OPENAPI).read_bytes()
        return self._yaml

    def as_json(self) -> bytes:
        if self._json is None:
            import yaml  # here: most servers never convert the contract

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            document = yaml.load(self.as_yaml(), Loader=loader)
            self._json = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        return self._json


def routes() -> list[BaseRoute]:
    """The two contract routes (each app keeps its own copy of the file once read)."""
    contract = _Contract()

    async def as_yaml(request: Request) -> Response:
        return Response(contract.as_yaml(), media_type="application/yaml")

    async def as_json(request: Request) -> Response:
        return Response(contract.as_json(), media_type="application/json")

    return [
        Route("/_mock/openapi.yaml", as_yaml, methods=["GET"]),
        Route("/_mock/openapi.json", as_json, methods=["GET"]),
    ]
