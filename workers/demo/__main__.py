"""`python -m workers.demo`: seed the demo into the hub the environment names (needs the worker's packages)."""

import argparse
import os

import django


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m workers.demo", description=__doc__)
    parser.add_argument("--steps", type=int, help="Training steps per delta.")
    parser.add_argument("--suite-size", type=int, help="Examples per evaluation suite (default: each suite's own).")
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from workers.demo.seed import DEFAULT_STEPS, seed

    seed(steps=options.steps or DEFAULT_STEPS, suite_size=options.suite_size)


if __name__ == "__main__":
    main()
