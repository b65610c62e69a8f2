"""The contract files wacht-mock ships: the corrected OpenAPI contract and the divergence register.

In a wheel they are inside the package (``wacht_mock/contracts/``, by pyproject's ``force-include``); in a
checkout (an editable install included) they are the repository's ``contracts/``.
"""

from __future__ import annotations

from pathlib import Path

OPENAPI = "openapi.yaml"
DIVERGENCES = "divergences.yaml"


def contract_path(name: str) -> Path:
    """The path of a shipped contract file (``OPENAPI``, ``DIVERGENCES``)."""
    here = Path(__file__).resolve().parent
    installed = here / "contracts" / name
    return installed if installed.is_file() else here.parent / "contracts" / name
