"""The scenario file format: loading and validating ``contracts/scenarios/*.yaml``.

A file holds ``scenarios:``, each a ``name``, an ``about`` line, the ``requires`` it needs from the target and
its ``steps``. A step is one request (``request: POST /api-auth/apps``) with its ``expect``ed answer, the rules
it exercises and the values to ``save`` for later steps. Loading checks every field up front; a bad file is one
``ScenarioError`` line naming the file, the entry and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import UsageError

Requirement = Literal["growth", "starter", "users", "gateway", "burst"]
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD")
_REQUEST = re.compile(r"(?P<method>[A-Z]+) (?P<path>/\S*)")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class ScenarioError(UsageError):
    """A scenario file that cannot be loaded: one line naming the file, the entry and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    """What the answer must be: the status, and the JSON body or the plain text, and some headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        """Whether a body was written (``body: null`` expects a JSON null)."""
        return "body" in self.model_fields_set

    @model_validator(mode="after")
    def _one_of_body_or_text(self) -> Expect:
        if self.has_body and self.text is not None:
            raise ValueError("give body or text, not both")
        return self


class Step(_Strict):
    """One request and the answer it must get."""

    request: str
    headers: dict[str, str | None] = Field(default_factory=dict)
    query: dict[str, str | int | bool] = Field(default_factory=dict)
    body: Any = None
    raw: str | None = None
    pad_to: int | None = Field(default=None, gt=0)
    expect: Expect
    rules: list[str] = Field(default_factory=list)
    save: dict[str, str] = Field(default_factory=dict)
    until_status: bool = False
    attempts: int = Field(default=1, ge=1, le=5000)
    eventually: float = Field(default=0, ge=0, le=300)
    divergence: str | None = None

    @property
    def has_body(self) -> bool:
        """Whether a JSON body is sent (``body: null`` sends ``null``)."""
        return "body" in self.model_fields_set

    @field_validator("request")
    @classmethod
    def _request_line(cls, value: str) -> str:
        found = _REQUEST.fullmatch(value)
        if found is None or found["method"] not in METHODS:
            raise ValueError(f"request must be 'METHOD /path' with METHOD one of {', '.join(METHODS)}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Step:
        if self.has_body and self.raw is not None:
            raise ValueError("give body or raw, not both")
        if self.until_status and self.attempts == 1:
            raise ValueError("until_status needs attempts > 1")
        return self

    @property
    def method(self) -> str:
        """The HTTP method of ``request``."""
        return self.request.split(" ", 1)[0]

    @property
    def path(self) -> str:
        """The path of ``request``, with ``${name}`` placeholders still in it."""
        return self.request.split(" ", 1)[1]

    @property
    def to_gateway(self) -> bool:
        """Gateway paths (``/v1/...``) go to the gateway URL; everything else to the backend API."""
        return self.path.startswith("/v1/")


class Scenario(_Strict):
    """A named sequence of steps, with what it needs from the target."""

    name: str
    about: str
    requires: list[Requirement] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    file: str = ""

    @field_validator("name")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if _NAME.fullmatch(value) is None:
            raise ValueError(f"name must be lower-case kebab-case, got {value!r}")
        return value

    @property
    def rules(self) -> list[str]:
        """Every rule the steps exercise, in first-seen order."""
        return list(dict.fromkeys(r for step in self.steps for r in step.rules))


class _File(_Strict):
    scenarios: list[Scenario] = Field(min_length=1)


def packaged_scenarios() -> Path:
    """The scenario directory shipped with wacht-mock (the repository's ``contracts/scenarios`` in a checkout)."""
    here = Path(__file__).resolve().parent
    installed = here.parent / "scenarios"
    return installed if installed.is_dir() else here.parents[1] / "contracts" / "scenarios"


def load_scenarios(directory: Path | None = None, *, known_rules: set[str] | None = None) -> list[Scenario]:
    """Every scenario of every ``*.yaml`` file in ``directory``, files in name order; names are unique.

    With ``known_rules``, a step naming any other rule is refused (a typo would otherwise hide from the report).
    """
    folder = directory if directory is not None else packaged_scenarios()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ScenarioError(f"{folder}: no scenario files (*.yaml)")
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in files:
        for scenario in _load_file(path):
            if scenario.name in seen:
                raise ScenarioError(f"{path.name}: scenario {scenario.name!r} is also in {seen[scenario.name]}")
            seen[scenario.name] = path.name
            unknown = [r for r in scenario.rules if known_rules is not None and r not in known_rules]
            if unknown:
                raise ScenarioError(f"{path.name}: {scenario.name}: unknown rule {unknown[0]!r}")
            scenarios.append(scenario)
    return scenarios


def _load_file(path: Path) -> list[Scenario]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path.name}: cannot read: {' '.join(str(exc).split())}") from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ScenarioError(f"{path.name}: {where}: {first['msg']}") from None
    return [s.model_copy(update={"file": path.name}) for s in parsed.scenarios]
