"""The command-line flags that point an inner pytest run at a "real" deployment played by a live wacht-mock."""

from __future__ import annotations

from wacht_mock import LiveWacht


def real_target_args(deployment: LiveWacht) -> tuple[str, ...]:
    """``--wacht-target=real`` with the deployment's secret as API key and its URL as base and gateway URL."""
    return (
        "--wacht-target=real",
        f"--wacht-api-key={deployment.secret}",
        f"--wacht-base-url={deployment.url}",
        f"--wacht-gateway-url={deployment.url}",
    )
