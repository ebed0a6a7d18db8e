"""Download stored objects by content address, checking every byte against the digest."""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hub.core import objectstore
from hub.deltas.models import object_key
from workers.validation.errors import ValidationFailed

if TYPE_CHECKING:
    from hub.deltas.models import DeltaVersion


def download_verified(sha256: str, destination: str | Path, failure_code: str = "checksum_mismatch") -> Path:
    """Stream the object into `destination`; it appears there only once its sha256 matched."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # A file name of its own: other worker processes on this host may fetch the same object at once.
    fd, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as handle:
            for chunk in objectstore.iter_object(object_key(sha256)):
                digest.update(chunk)
                handle.write(chunk)
        if not hmac.compare_digest(digest.hexdigest(), sha256):
            raise ValidationFailed(
                failure_code,
                f"{destination.name}: the stored bytes hash to {digest.hexdigest()[:12]}…, not the committed"
                f" {sha256[:12]}…; the object was altered or damaged after upload.",
            )
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return destination


def fetch_version_files(version: DeltaVersion, directory: str | Path) -> Path:
    """Every file of the version into `directory`, under its path in the version."""
    directory = Path(directory)
    for version_file in version.files.select_related("object"):
        target = (directory / version_file.path).resolve()
        if directory.resolve() not in target.parents:
            raise ValidationFailed("invalid_path", f"{version_file.path!r} points outside the delta's directory.")
        download_verified(version_file.object.sha256, target)
    return directory
