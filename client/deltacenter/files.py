"""Local files: hashing, the content-addressed cache, and verified downloads."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tqdm.auto import tqdm

from deltacenter.errors import DeltaCenterError, IntegrityError

if TYPE_CHECKING:
    import requests

    from deltacenter.backbone_hash import PathLike

CHUNK = 8 * 1024 * 1024
HASH_THREADS = 4


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def sha256_file(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(directory: PathLike, paths: Iterable[str] | None = None) -> list[dict]:
    """[{path, size, sha256}] for every file under `directory` (or those of `paths`), paths relative and POSIX;
    the shards of a large checkpoint are hashed side by side (sha256 releases the GIL)."""
    root = Path(directory)
    if not root.is_dir():
        raise DeltaCenterError(f"{directory} is not a directory.")
    chosen = (root / p for p in paths) if paths is not None else (p for p in root.rglob("*") if p.is_file())
    files = sorted(chosen)
    if not files:
        raise DeltaCenterError(f"{directory} holds no files to push.")
    with ThreadPoolExecutor(min(HASH_THREADS, len(files))) as pool:
        digests = list(pool.map(sha256_file, files))
    return [
        {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": digest, "local": path}
        for path, digest in zip(files, digests, strict=True)
    ]


class BlobStore:
    """Downloaded files, stored once by sha256 whatever delta they came from."""

    def __init__(self, root: PathLike) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def download(
        self,
        session: requests.Session,
        url: str,
        sha256: str,
        size: int,
        label: str,
        progress: Callable[[int], object] | None = None,
    ) -> Path:
        """Stream `url` into the store, checking the sha256 before the file becomes visible. `progress` hears of
        every chunk; without it, the download shows a bar of its own."""
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with (
                os.fdopen(fd, "wb") as out,
                _get(session, url) as response,
                tqdm(
                    total=size, unit="B", unit_scale=True, desc=label, leave=False, disable=progress is not None
                ) as bar,
            ):
                _stream(response.raw, [out.write, digest.update], progress or bar.update)
            if digest.hexdigest() != sha256:
                raise IntegrityError(
                    f"{label}: downloaded bytes hash to {digest.hexdigest()[:12]}…, expected {sha256[:12]}…."
                )
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target


def _stream(source: _Readable, sinks: list[Callable[[bytes], object]], progress: Callable[[int], object]) -> None:
    """Read `source` in chunks and give each chunk to every sink, in order.

    Each sink runs on a thread of its own while the next chunk is read: file writes and sha256 release the
    GIL, so writing and hashing overlap with the network instead of following it.
    """
    with ThreadPoolExecutor(len(sinks)) as pool:
        pending = []
        for chunk in iter(lambda: source.read(CHUNK), b""):
            for future in pending:
                future.result()
            pending = [pool.submit(sink, chunk) for sink in sinks]
            progress(len(chunk))
        for future in pending:
            future.result()


def _get(session: requests.Session, url: str) -> requests.Response:
    response = session.get(url, stream=True, timeout=(10, 300))
    if response.status_code != 200:
        response.close()
        raise DeltaCenterError(f"Download failed with HTTP {response.status_code}: {response.text[:200]}")
    return response


def link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        import shutil

        shutil.copyfile(source, target)
