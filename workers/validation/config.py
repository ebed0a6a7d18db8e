"""Worker settings, read from the environment so the web settings stay free of worker concerns."""

from pathlib import Path

from django.conf import settings

from hub.env import env_int, env_str


def cache_dir():
    default = str(Path(settings.BASE_DIR) / "var" / "worker-cache")
    return Path(env_str("DELTACENTER_WORKER_CACHE", default=default))


def backbone_memory_budget_bytes():
    return env_int("DELTACENTER_WORKER_BACKBONE_MEMORY_MB", default=4096, minimum=1) * 1024**2


def heartbeat_seconds():
    return env_int("DELTACENTER_VALIDATION_HEARTBEAT_SECONDS", default=15, minimum=1)


def claim_tolerance():
    """How far (absolute) a measured score may sit from the claimed one before the result is flagged."""
    return float(env_str("DELTACENTER_CLAIM_TOLERANCE", default="0.02"))


def evaluation_memory_bytes():
    """The evaluator child's address-space ceiling; importing torch and transformers alone takes about 1 GiB."""
    return env_int("DELTACENTER_EVAL_MEMORY_BYTES", default=8 * 1024**3, minimum=1024**3)


def evaluation_timeout_seconds():
    """How long one job may spend in the evaluator child, backbone load included."""
    return env_int("DELTACENTER_EVAL_TIMEOUT_SECONDS", default=900, minimum=1)
