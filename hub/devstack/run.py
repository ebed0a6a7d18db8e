"""`make run`: engines, setup commands, then web, worker and beat until Ctrl-C or a failure."""

import logging
import sys
from pathlib import Path

from hub.devstack.banner import banner
from hub.devstack.commands import service_commands
from hub.devstack.dev_stack import WEB_PORT, child_environment, dev_engines, dev_settings, var_dir
from hub.devstack.engine import EngineError, EngineStack, is_configured, start_engines
from hub.devstack.local_secrets import load_or_create_secrets
from hub.devstack.ports import require_free_ports
from hub.devstack.saved_env import save_hub_env
from hub.devstack.services import ServiceFailed, Services
from hub.devstack.setup_steps import SetupFailed, run_setup_commands
from hub.devstack.signals import StopRequested, signals_ignored, stop_on_signals

logger = logging.getLogger("hub.devstack")
REPO_ROOT = Path(__file__).resolve().parents[2]


def _bring_up(environ, stack: EngineStack, services: Services) -> None:
    var = var_dir(environ)
    secrets = load_or_create_secrets(var / "secrets.json")
    engines = dev_engines(var, secrets)
    wanted = [engine for engine in engines if not is_configured(engine, environ)]
    # Checked up front, so a second stack fails before it starts anything.
    for engine in wanted:
        require_free_ports(engine.name, engine.needed_ports())
    require_free_ports("gunicorn", [WEB_PORT])
    start_engines(wanted, stack)
    env = child_environment(environ, dev_settings(var, secrets), stack.env)
    save_hub_env(var, env)
    admin_output = run_setup_commands(env, REPO_ROOT, var)
    for name, argv in service_commands(var).items():
        services.start(name, argv, env, REPO_ROOT)
    services.wait_for_port("gunicorn", WEB_PORT)
    external = [engine.name for engine in engines if engine not in wanted]
    print(banner(var, stack.env, external, admin_output), flush=True)


def _shut_down(stack: EngineStack, services: Services) -> bool:
    logger.info("stopping...")
    with signals_ignored():
        services.stop()
        try:
            stack.stop()
        except EngineError as error:
            print(f"devstack: {error}", file=sys.stderr, flush=True)
            return False
    logger.info("stopped")
    return True


def run(environ) -> int:
    """Run the development stack in the foreground; 0 after Ctrl-C or SIGTERM, 1 after a failure."""
    stack, services = EngineStack(), Services()
    status = 0
    with stop_on_signals():
        try:
            _bring_up(environ, stack, services)
            services.watch()
        except (KeyboardInterrupt, StopRequested):
            pass
        except (EngineError, SetupFailed, ServiceFailed) as error:
            print(f"devstack: {error}", file=sys.stderr, flush=True)
            status = 1
        finally:
            if not _shut_down(stack, services):
                status = 1
    return status
