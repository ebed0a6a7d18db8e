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
