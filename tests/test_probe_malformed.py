"""The hand list of malformed requests (scripts/probe_malformed.py --quick) against a ``wacht-mock serve``
subprocess: every answer in the vendor's shapes or the HTTP layer's 400, no 5xx but production's, no hang, the
server alive after every case."""

from __future__ import annotations

from types import ModuleType

import pytest
from scripts_import import load_script

pytestmark = pytest.mark.xdist_group("probe_malformed")


def _probe() -> ModuleType:
    return load_script("probe_malformed")


def test_the_quick_hand_list_finds_no_failure() -> None:
    probe = _probe()
    results = probe.run(quick=True, timeout=5.0)
    assert len(results) == 2 * sum(not case.big for case in probe.CASES)
    assert [r for r in results if r.failed] == [], probe.report(results)
    by_case = {(r.case, r.target): r for r in results}
    # The limit cases: 2 MiB is read, one byte more is production's 413 (backend envelope, gateway axum text).
    assert [by_case["body_2mib", t].replies[0].status for t in ("backend", "gateway")] == [200, 401]
    assert [by_case["body_2mib_plus_1", t].replies[0].status for t in ("backend", "gateway")] == [413, 413]
    # NUL reaching Postgres is production's own 500, judged by its rule; bytes that are not HTTP are uvicorn's 400.
    assert by_case["body_escaped_nul", "backend"].production_5xx != []
    assert by_case["garbage", "gateway"].layers == ["http"]
    assert [x.status for x in by_case["pipelined", "backend"].replies] == [200, 200, 200]


def test_a_reply_outside_the_vendors_shapes_is_a_violation() -> None:
    probe = _probe()
    text = probe.Reply(400, {"content-type": "text/plain"}, b"Bad request")
    envelope = probe.Reply(
        400, {"content-type": "application/json"}, b'{"errors":[{"message":"Bad request","code":400}]}'
    )
    wrong_code = probe.Reply(400, {"content-type": "application/json"}, b'{"errors":[{"message":"x","code":500}]}')
    assert probe.vendor_shape("backend", envelope) is None
    assert probe.vendor_shape("backend", text) == "not the errors envelope"
    assert probe.vendor_shape("backend", wrong_code) == "not the errors envelope"
    assert probe.vendor_shape("gateway", text) is None
    assert probe.vendor_shape("gateway", probe.Reply(405, {}, b"Method Not Allowed")) == "gateway 405 with a body"
    assert probe.vendor_shape("gateway", probe.Reply(500, {"content-type": "application/json"}, b"{}")) is not None


def test_replies_are_parsed_off_the_wire_with_what_is_left() -> None:
    probe = _probe()
    wire = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 400 Bad\r\ntransfer-encoding: chunked\r\n\r\n"
    wire += b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 5"
    replies, rest = probe.parse_replies(wire)
    assert [(r.status, r.body) for r in replies] == [(200, b"{}"), (400, b"abc")]
    assert rest == b"HTTP/1.1 5"
