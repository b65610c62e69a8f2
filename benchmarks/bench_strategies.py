"""Strategy benchmark: examples generated per second by the valid and the invalid create-app strategies, beside a
schema-only baseline (every field a free string, as a schema-driven generator would make) in the same run.

Run: .venv/bin/python benchmarks/bench_strategies.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import SEED

from wacht_mock import WachtMock
from wacht_mock.strategies import create_app_requests, invalid_requests

EXAMPLES = 2000
CREATE_APP_RULES = (
    "apps.create.requires_growth_plan",
    "apps.create.user_id_excludes_permissions",
    "apps.create.user_exists",
    "apps.create.user_id_required_for_scope",
    "apps.scope.workspace_exists",
    "apps.scope.organization_exists",
    "apps.scope.user_member_of_organization",
    "apps.scope.user_member_of_workspace",
    "apps.create.slug_unique",
    "http.body.json_content_type_required",
    "http.body.json_syntax",
)


def per_second(strategy: st.SearchStrategy[Any]) -> float:
    count = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(_: Any) -> None:
        nonlocal count
        count += 1

    start = time.perf_counter()
    draw()
    return count / (time.perf_counter() - start)


def main() -> None:
    source = WachtMock(seed=SEED)
    baseline = per_second(st.fixed_dictionaries({"app_slug": st.text(), "name": st.text(), "key_prefix": st.text()}))
    valid = per_second(create_app_requests(source))
    invalid = per_second(st.one_of([invalid_requests(source, rule=r) for r in CREATE_APP_RULES]))
    print(f"schema-only create-app bodies (baseline)  {baseline:8.0f} examples/s")
    print(f"valid create-app requests                 {valid:8.0f} examples/s   {valid / baseline:5.2f} x baseline")
    print(f"invalid create-app requests (11 rules)    {invalid:8.0f} examples/s   {invalid / baseline:5.2f} x baseline")


if __name__ == "__main__":
    main()
