"""pytest fixtures for wacht-mock: ``wacht_mock``, ``wacht_server``, ``wacht_client`` and the ``wacht`` marker.

Registered through the ``pytest11`` entry point (``pytest_wacht_mock.plugin``), so installing wacht-mock is
enough. Uses only ``wacht_mock``'s public API.
"""
