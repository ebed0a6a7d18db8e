"""Find a backbone's files by its content hash: the worker's cache, else downloaded from the bucket."""

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from hub.deltas.models import Backbone, BackboneFile
from workers.validation.backbones import check_memory_budget
from workers.validation.errors import BackboneUnavailable
from workers.validation.fetch import download_verified

PARALLEL_DOWNLOADS = 4


def _cached_directory(backbone: Backbone) -> Path:
    return settings.DELTACENTER_WORKER_CACHE / "backbones" / backbone.content_hash


def forget_backbone_directory(backbone: Backbone) -> None:
    shutil.rmtree(_cached_directory(backbone), ignore_errors=True)


def backbone_directory(backbone: Backbone) -> Path:
    """A local directory with the backbone's config and weights: the cache, else downloaded from the bucket."""
    files = list(BackboneFile.objects.filter(backbone=backbone).select_related("object"))
    weights = [f for f in files if f.path.endswith(".safetensors")]
    if not weights:
        raise BackboneUnavailable(
            f"Backbone {backbone.content_hash[:12]}… has no uploaded weights; validation resumes once they arrive."
        )
    # Refused before a byte is downloaded: a backbone this worker cannot hold must not fill its disk either.
    check_memory_budget(sum(f.object.size for f in weights), settings.DELTACENTER_WORKER_BACKBONE_MEMORY_MB * 1024**2)
    directory = _cached_directory(backbone)
    if (directory / "config.json").is_file():
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{backbone.content_hash[:12]}-", dir=directory.parent))
    try:
        # The shards of a large checkpoint download side by side.
        with ThreadPoolExecutor(PARALLEL_DOWNLOADS) as pool:
            jobs = [(f.object.sha256, staging / f.path) for f in files]
            list(pool.map(lambda job: download_verified(*job, failure_code="backbone_checksum_mismatch"), jobs))
        staging.rename(directory)  # atomic: another worker process never sees a half-written directory
    except OSError:
        if not (directory / "config.json").is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory
