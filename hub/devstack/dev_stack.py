"""What the development stack runs: engines on fixed ports with data under var/, and its settings."""

from pathlib import Path

from hub.devstack.postgres import PostgresEngine
from hub.devstack.redis_server import RedisEngine
from hub.devstack.seaweed import SeaweedEngine, SeaweedPorts

WEB_HOST = "127.0.0.1"
WEB_PORT = 8000
REDIS_PORT = 6390
# S3 on its usual 8333; master, volume, filer and admin on 8334-8337, their gRPC on 18333-18337.
SEAWEED_PORTS = SeaweedPorts.block(8333)
BUCKET = "deltacenter"


def var_dir(environ) -> Path:
    return Path(environ.get("DELTACENTER_VAR_DIR") or "var").resolve()


def dev_engines(var: Path, secrets: dict[str, str]) -> list:
    return [
        PostgresEngine(var / "postgres"),
        RedisEngine(var / "redis", port=REDIS_PORT, persistent=True),
        SeaweedEngine(
            var / "s3",
            ports=SEAWEED_PORTS,
            access_key=secrets["S3_ACCESS_KEY_ID"],
            secret_key=secrets["S3_SECRET_ACCESS_KEY"],
            bucket=BUCKET,
        ),
    ]


def dev_settings(var: Path, secrets: dict[str, str]) -> dict[str, str]:
    """Settings for a local run; any of them already in the environment wins."""
    return {
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": secrets["SECRET_KEY"],
        "DELTACENTER_SITE_URL": f"http://{WEB_HOST}:{WEB_PORT}",
        "DELTACENTER_VAR_DIR": str(var),
        "PYTHONUNBUFFERED": "1",
    }


def child_environment(environ, settings: dict[str, str], engine_env: dict[str, str]) -> dict[str, str]:
    env = {**settings, **environ}
    env.update(engine_env)
    return env
