"""Citing the divergence register that wacht-mock ships, for the report's ``KNOWN`` lines.

The citation is the entry's id and the absolute path of the register this installation carries (inside the
package in a wheel, the repository's ``contracts/`` in a checkout), so a user with only the wheel can open it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..contract_files import DIVERGENCES, contract_path


def register_path() -> Path:
    """The divergence register of this installation."""
    return contract_path(DIVERGENCES)


def register_ids(path: Path) -> set[str]:
    """The ids of every entry (``divergences`` and ``assumptions``) of the register at ``path``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = [e for part in ("divergences", "assumptions") for e in (data or {}).get(part) or []]
    return {str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e}


def cite(divergence_id: str) -> str:
    """``ID in /path/to/divergences.yaml``, or why the register does not back ``divergence_id``."""
    path = register_path()
    try:
        ids = register_ids(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError) as exc:
        return f"{divergence_id}, but the register {path} cannot be read ({type(exc).__name__})"
    if divergence_id not in ids:
        return f"{divergence_id}, which the register {path} does not list"
    return f"{divergence_id} in {path}"
