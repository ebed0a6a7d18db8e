"""Command line: `python -m hub.devstack run` starts the development stack."""

import argparse
import logging
import os
import sys

from hub.devstack.run import run


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="devstack: %(message)s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start engines, set up the database, then web, worker and beat")
    parser.parse_args(argv)
    _configure_logging()
    return run(os.environ)


if __name__ == "__main__":
    sys.exit(main())
