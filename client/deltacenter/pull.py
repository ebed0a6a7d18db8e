"""Download a version into the local cache and attach it to a backbone."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from deltacenter import config
from deltacenter.errors import BackboneMismatchError, DeltaCenterError, HubError
from deltacenter.files import BlobStore, link_or_copy
from deltacenter.formats import attach
from deltacenter.hub import DeltaCenter, split_repo_id

if TYPE_CHECKING:
    import torch

    from deltacenter.backbone_hash import PathLike


class RefStore:
    """Which files a revision holds, remembered per hub and full repository id, for offline use."""

    def __init__(self, root: PathLike, endpoint: str) -> None:
        self.root = Path(root) / "refs" / hashlib.sha256(endpoint.encode()).hexdigest()[:16]

    def _path(self, repo_id: str, revision: str) -> Path:
        namespace, name = split_repo_id(repo_id)
        return self.root / namespace / name / f"{revision}.json"

    def save(self, repo_id: str, revision: str, manifest: dict) -> None:
        path = self._path(repo_id, revision)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest))
        os.replace(tmp, path)

    def load(self, repo_id: str, revision: str) -> dict | None:
        try:
            return json.loads(self._path(repo_id, revision).read_text())
        except (OSError, ValueError):
            return None


def _manifest(hub: DeltaCenter, refs: RefStore, repo_id: str, revision: str) -> dict:
    offline = os.environ.get("DELTACENTER_OFFLINE") == "1"
    if not offline:
        try:
            manifest = hub.revision(repo_id, revision)
            refs.save(repo_id, revision, manifest)
            return manifest
        except HubError as exc:
            if exc.code != "unreachable":
                raise
    manifest = refs.load(repo_id, revision)
    if manifest is None:
        raise DeltaCenterError(f"{repo_id}@{revision} is not in the local cache and the hub cannot be reached.")
    return manifest


PARALLEL_DOWNLOADS = 4


def download_snapshot(
    hub: DeltaCenter, repo_id: str, revision: str = "main", cache_dir: PathLike | None = None
) -> tuple[Path, dict]:
    """Return (directory, manifest) for `repo_id` at `revision`, downloading only missing blobs, several at once."""
    root = Path(cache_dir or config.cache_dir())
    blobs, refs = BlobStore(root), RefStore(root, hub.endpoint)
    manifest = _manifest(hub, refs, repo_id, revision)
    namespace, name = split_repo_id(repo_id)
    snapshot = root / "snapshots" / manifest["commit_id"]
    missing = list({e["sha256"]: e for e in manifest["files"] if not blobs.has(e["sha256"])}.values())
    if missing:
        total = sum(e["size"] for e in missing)
        lock = threading.Lock()
        with tqdm(total=total, unit="B", unit_scale=True, desc=f"{repo_id}", leave=False) as bar:

            def progress(n: int) -> None:
                with lock:
                    bar.update(n)

            def fetch(entry: dict) -> None:
                url = hub.http.url(f"{namespace}/{name}/resolve/{manifest['commit_id']}/{entry['path']}")
                blobs.download(hub.http.session, url, entry["sha256"], entry["size"], entry["path"], progress)

            with ThreadPoolExecutor(min(PARALLEL_DOWNLOADS, len(missing))) as pool:
                list(pool.map(fetch, missing))
    for entry in manifest["files"]:
        link_or_copy(blobs.path(entry["sha256"]), snapshot / entry["path"])
    return snapshot, manifest


def verify_backbone(model: torch.nn.Module, manifest: dict) -> None:
    from deltacenter.backbone_hash import backbone_hash

    if manifest.get("backbone") is None:
        raise BackboneMismatchError(
            f"{manifest['id']} is not bound to a registered backbone yet, so its backbone cannot be checked. Pass"
            " check_backbone=False to attach it anyway, or ask its owner to bind it (deltacenter bind)."
        )
    expected = manifest["backbone"]["content_hash"]
    actual = backbone_hash(model)
    if actual != expected:
        raise BackboneMismatchError(
            f"{manifest['id']} was trained on backbone {manifest['backbone']['name']} ({expected[:12]}…), but the"
            f" model you passed hashes to {actual[:12]}…. Load that exact checkpoint, or pass check_backbone=False"
            " to attach it anyway."
        )


def from_finetuned(
    repo_id: str,
    backbone_model: torch.nn.Module,
    *,
    revision: str = "main",
    check_backbone: bool = True,
    is_trainable: bool = False,
    endpoint: str | None = None,
    token: str | None = None,
    cache_dir: PathLike | None = None,
) -> torch.nn.Module:
    """Download `repo_id` (cached by content), verify the backbone's hash, attach the delta and return the model."""
    hub = DeltaCenter(endpoint, token)
    directory, manifest = download_snapshot(hub, repo_id, revision, cache_dir)
    if check_backbone:
        verify_backbone(backbone_model, manifest)
    model = attach(backbone_model, directory, is_trainable=is_trainable)
    if hasattr(model, "eval") and not is_trainable:
        model.eval()
    return model
