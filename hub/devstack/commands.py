"""The commands the development stack runs: one-off setup steps in order, then long-running services."""

import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from hub.devstack.dev_stack import WEB_HOST, WEB_PORT


@dataclass(frozen=True)
class SetupCommand:
    args: tuple[str, ...]  # arguments to manage.py (or to `module`); "{var}" stands for the var directory
    in_banner: bool = False  # its output is repeated in the banner once the stack is up
    module: str | None = None  # run `python -m module` instead of manage.py


SETUP_COMMANDS = (
    SetupCommand(("migrate", "--noinput")),
    SetupCommand(("collectstatic", "--noinput")),
    SetupCommand(("ensure_admin", "--credentials-file", "{var}/admin-credentials.txt"), in_banner=True),
    SetupCommand(("load_suites",)),
    SetupCommand((), module="workers.demo"),
)


def manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args]


def setup_argv(command: SetupCommand, var: Path) -> list[str]:
    args = [arg.format(var=var) for arg in command.args]
    if command.module:
        return [sys.executable, "-m", command.module, *args]
    return manage(*args)


def venv_script(name: str) -> str:
    return str(Path(sysconfig.get_path("scripts")) / name)


def service_commands(var: Path) -> dict[str, list[str]]:
    celery = [venv_script("celery"), "-A", "workers"]
    return {
        "gunicorn": [
            venv_script("gunicorn"), "hub.wsgi:application",
            "--bind", f"{WEB_HOST}:{WEB_PORT}", "--workers", "2", "--access-logfile", "-",
            "--no-control-socket",  # its default lives in ~ and would be shared by every checkout
        ],
        "celery worker": [
            *celery, "worker", "--loglevel", "INFO", "--concurrency", "1", "--prefetch-multiplier", "1",
        ],
        "celery beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var / "celerybeat-schedule")],
    }  # fmt: skip
