"""Running the one-off setup commands, each to completion, with its output shown as it comes."""

import subprocess
import sys

from hub.devstack.commands import SETUP_COMMANDS, setup_argv
from hub.devstack.processes import spawn, stop_process

STOP_TIMEOUT = 10


class SetupFailed(Exception):
    pass


def _run_echoing(argv, env, cwd) -> tuple[int, str]:
    process = spawn(argv, env=env, cwd=cwd, stdout=subprocess.PIPE)
    lines = []
    try:
        for line in process.stdout:
            text = line.decode(errors="replace")
            sys.stdout.write(text)
            lines.append(text)
        process.wait()
    finally:
        # Also the way out on Ctrl-C: the command runs in its own process group and never saw it.
        stop_process(process, STOP_TIMEOUT)
        process.stdout.close()
    return process.returncode, "".join(lines)


def run_setup_commands(env, cwd, var) -> list[str]:
    """Run SETUP_COMMANDS in order; returns the outputs meant for the banner."""
    for_banner = []
    for command in SETUP_COMMANDS:
        argv = setup_argv(command, var)
        label = " ".join(argv[1:])
        print(f"==> {label}", flush=True)
        status, output = _run_echoing(argv, env, cwd)
        if status != 0:
            raise SetupFailed(f"`{label}` failed with status {status}; its output is above.")
        if command.in_banner:
            for_banner.append(output.strip())
    return for_banner
