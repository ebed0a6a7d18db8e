"""The message shown once the development stack is up."""

from pathlib import Path

from hub.devstack.dev_stack import WEB_HOST, WEB_PORT

RULE = "=" * 72
# Engine variables worth showing: none of them carries a secret.
SHOWN_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "S3_ENDPOINT_URL", "S3_BUCKET")


def _login_lines(var: Path, admin_output: list[str]) -> list[str]:
    credentials = var / "admin-credentials.txt"
    lines = [f"  Log in at http://{WEB_HOST}:{WEB_PORT}/admin/login/"]
    if credentials.exists():
        lines.append(f"  Admin credentials: {credentials}")
    return lines + [f"  {line}" for output in admin_output for line in output.splitlines()]


def _engine_lines(var: Path, engine_env: dict[str, str], external: list[str]) -> list[str]:
    lines = [f"  Embedded engines, data in {var}:"]
    lines += [f"    {name}={engine_env[name]}" for name in SHOWN_VARIABLES if name in engine_env]
    if "S3_ENDPOINT_URL" in engine_env:
        lines.append(f"    (S3 keys in {var / 'secrets.json'})")
    if external:
        lines.append(f"  From the environment: {', '.join(external)}")
    return lines


def banner(var: Path, engine_env: dict[str, str], external: list[str], admin_output: list[str]) -> str:
    lines = [
        RULE,
        f"  Delta Center is running at http://{WEB_HOST}:{WEB_PORT}/",
        *_login_lines(var, admin_output),
        "  API token:  make token NAME=alice   (a write token for alice, created if new)",
        *_engine_lines(var, engine_env, external),
        "  Stop with Ctrl-C.",
        RULE,
    ]
    return "\n".join(lines)
