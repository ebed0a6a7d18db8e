"""Secrets for the development stack, generated once and kept so existing data stays readable."""

import json
import os
import secrets
from pathlib import Path

SECRET_GENERATORS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "S3_ACCESS_KEY_ID": lambda: "dev" + secrets.token_hex(8),
    "S3_SECRET_ACCESS_KEY": lambda: secrets.token_urlsafe(30),
}


def write_private(path: Path, values: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(values, file, indent=2)
    # O_CREAT's mode only applies to new files; an older, looser file is tightened here.
    os.chmod(path, 0o600)


def load_or_create_secrets(path) -> dict[str, str]:
    """The secrets in `path` (mode 0600), adding any that are missing."""
    path = Path(path)
    values = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in SECRET_GENERATORS.items() if not values.get(name)}
    if missing or (path.stat().st_mode & 0o777) != 0o600:
        values.update(missing)
        write_private(path, values)
    return values
