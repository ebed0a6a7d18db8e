"""Command line: `python -m hub.devstack run` starts the development stack;
`python -m hub.devstack manage ARGS...` runs manage.py against the stack that `run` started."""

import argparse
import logging
import os
import sys

from hub.devstack.dev_stack import var_dir
from hub.devstack.run import REPO_ROOT, run
from hub.devstack.saved_env import load_hub_env


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="devstack: %(message)s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start engines, set up the database, then web, worker and beat")
    manage = commands.add_parser("manage", help="run a manage.py command against the running stack")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    if options.command == "manage":
        env = {**load_hub_env(var_dir(os.environ)), **os.environ}
        os.chdir(REPO_ROOT)
        os.execve(sys.executable, [sys.executable, "manage.py", *options.args], env)
    _configure_logging()
    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main())
