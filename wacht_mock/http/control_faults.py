"""``/_mock/faults``: inject, list and remove faults over the control plane.

``POST /_mock/faults`` adds one (the fields of ``wacht_mock.faults.Fault``) and answers ``{"faults": <active
count>}`` with its address in ``Location: /_mock/faults/<id>``; ``GET`` lists the active ones with what remains of
each; ``DELETE /_mock/faults/<id>`` removes one, ``DELETE /_mock/faults`` all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..errors import UsageError
from ..faults import Fault
from ..harness import Harness
from .control_json import faults_json
from .guard import ControlMisuse, answers_misuse, read_json
from .responses import json_response


def routes(harness: Harness) -> list[BaseRoute]:
    """The fault routes of one harness."""

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return json_response(faults_json(harness.faults.active))
        if request.method == "DELETE":
            harness.faults.clear()
            return json_response({"faults": 0})
        body = await read_json(
            request, invalid='faults: body must be JSON, e.g. {"kind": "error", "status": 503, "count": 1}'
        )
        try:
            fault = harness.faults.add(Fault.from_json(body))
        except UsageError as exc:
            raise ControlMisuse(400, f"faults: {exc}") from None
        response = json_response({"faults": len(harness.faults)})
        response.headers["location"] = f"/_mock/faults/{fault.id}"
        return response

    async def one_fault(request: Request) -> Response:
        fault_id = request.path_params["fault_id"]
        if harness.faults.remove(fault_id) is None:
            raise ControlMisuse(404, f"faults: no active fault {fault_id} (spent, removed or never added)")
        return json_response({"faults": len(harness.faults)})

    return [
        Route("/_mock/faults", answers_misuse(faults), methods=["GET", "POST", "DELETE"]),
        Route("/_mock/faults/{fault_id:int}", answers_misuse(one_fault), methods=["DELETE"]),
    ]
