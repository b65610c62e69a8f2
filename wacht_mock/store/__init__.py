"""Persistence of the State: snapshots (the state as a seed document) and the SQLite store behind ``--state``."""
