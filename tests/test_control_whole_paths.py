"""A control-plane route matches its whole path only (issue 15): Starlette's ``$`` also matched before a final
line break, so ``POST /_mock/reset%0A`` reset the mock. Such a path is now an unknown control path (404)."""

from __future__ import annotations

import pytest

from wacht_mock import WachtMock


@pytest.mark.parametrize("end", ["%0A", "%0D%0A", "%0a"])
def test_a_line_break_after_a_control_path_makes_it_unknown(end: str) -> None:
    mock = WachtMock()
    mock.add_app(app_slug="billing", name="Billing", key_prefix="sk_test")
    control = mock.client()
    reset = control.post(f"/_mock/reset{end}", json={})
    assert (reset.status_code, reset.json()) == (404, {"errors": [{"message": "Not found", "code": 404}]})
    assert control.get(f"/_mock/health{end}").status_code == 404
    assert control.get("/api-auth/apps/billing").status_code == 200  # not reset
    assert control.post("/_mock/reset", json={}).status_code == 200
