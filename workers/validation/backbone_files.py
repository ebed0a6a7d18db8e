"""Find a backbone's files by its content hash: the worker's cache, else downloaded from the bucket."""

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from hub.deltas.models import BackboneFile
from workers.validation.errors import BackboneUnavailable
from workers.validation.fetch import download_verified

PARALLEL_DOWNLOADS = 4


def _cached_directory(backbone):
    return settings.DELTACENTER_WORKER_CACHE / "backbones" / backbone.content_hash


def forget_backbone_directory(backbone):
    shutil.rmtree(_cached_directory(backbone), ignore_errors=True)


def backbone_directory(backbone):
    """A local directory with the backbone's config and weights: the cache, else downloaded from the bucket."""
    directory = _cached_directory(backbone)
    if (directory / "config.json").is_file():
        return directory
    files = list(BackboneFile.objects.filter(backbone=backbone).select_related("object"))
    if not any(f.path.endswith(".safetensors") for f in files):
        raise BackboneUnavailable(
            f"Backbone {backbone.content_hash[:12]}… has no uploaded weights; validation resumes once they arrive."
        )
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
