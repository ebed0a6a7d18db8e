"""Where the hub is and who we are: arguments, then environment, then the token file."""

import os
from pathlib import Path

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"


def config_dir() -> Path:
    return Path(os.environ.get("DELTACENTER_HOME") or Path.home() / ".config" / "deltacenter")


def cache_dir() -> Path:
    return Path(os.environ.get("DELTACENTER_CACHE") or Path.home() / ".cache" / "deltacenter")


def token_file() -> Path:
    return config_dir() / "token"


def resolve_endpoint(endpoint: str | None = None) -> str:
    return (endpoint or os.environ.get("DELTACENTER_ENDPOINT") or _saved().get("endpoint") or DEFAULT_ENDPOINT).rstrip(
        "/"
    )


def resolve_token(token: str | None = None) -> str | None:
    return token or os.environ.get("DELTACENTER_TOKEN") or _saved().get("token")


def save_login(endpoint: str, token: str) -> Path:
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(f"endpoint={endpoint}\ntoken={token}\n")
    return path


def _saved() -> dict[str, str]:
    try:
        lines = token_file().read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split("=", 1) for line in lines if "=" in line)
