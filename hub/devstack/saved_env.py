"""The running stack's settings, saved so `manage` commands in another terminal reach the same hub."""

import json
from pathlib import Path

from hub.devstack.local_secrets import write_private

HUB_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DELTACENTER_SITE_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
)


def saved_env_path(var: Path) -> Path:
    return var / "hub-env.json"


def save_hub_env(var: Path, env: dict[str, str]) -> None:
    write_private(saved_env_path(var), {name: env[name] for name in HUB_VARIABLES if name in env})


def load_hub_env(var: Path) -> dict[str, str]:
    path = saved_env_path(var)
    if not path.exists():
        raise SystemExit(f"{path} does not exist: start the hub with `make run` first.")
    return json.loads(path.read_text())
