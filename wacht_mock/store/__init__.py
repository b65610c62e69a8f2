"""Persistence of the State: snapshots (the state as a seed document) and the SQLite store behind ``--state``."""

# The media types a snapshot travels as (here, not in ``snapshot``: the control plane's guard checks them on every
# write, and ``serve`` starts without loading the snapshot code).
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
JSON_TYPES = ("application/json",)
