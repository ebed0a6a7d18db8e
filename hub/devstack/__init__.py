"""Embedded Postgres, Redis and S3 engines for local development and tests.

The same engines production runs, installed from PyPI and bound to loopback, so a fresh
checkout needs no system services. Nothing here imports Django.

`python -m hub.devstack run` starts the whole development stack; test harnesses call
`start_missing_engines()`.
"""

from hub.devstack.harness import start_missing_engines

__all__ = ["start_missing_engines"]
