"""Where Wacht lives: the backend API's and the gateway's hosts and base URLs, named once for the mock's
routing, ``RealWacht``'s forwarding, the plugin's and ``verify``'s defaults."""

from __future__ import annotations

API_HOST = "api.wacht.dev"
GATEWAY_HOST = "gateway.wacht.dev"
HOSTS = (API_HOST, GATEWAY_HOST)
API_URL = f"https://{API_HOST}"
GATEWAY_URL = f"https://{GATEWAY_HOST}"
