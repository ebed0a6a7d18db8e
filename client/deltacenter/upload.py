"""Send the files the hub asked for straight to S3: concurrently, resumably, in bounded memory.

Every PUT streams its bytes from disk a megabyte at a time, so memory stays at about one buffer per connection
whatever the file sizes. The parts of every file share one pool of connections. Each PUT is retried with
backoff, and a part whose presigned URL expired is signed again; URLs are asked for a batch at a time, as the
parts are about to go. A multipart upload resumes where it stopped: the plan lists the parts S3 holds already,
and only the others are sent.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from tqdm.auto import tqdm

from deltacenter.errors import DeltaCenterError
from deltacenter.http import backoff_seconds

if TYPE_CHECKING:
    from deltacenter.http import HubSession

READ_BYTES = 1024 * 1024
PUT_ATTEMPTS = 6
SIGN_BATCH = 32
# A URL this close to expiry is signed again before use: a part must not start on one that lapses mid-way.
EXPIRY_MARGIN_SECONDS = 60
RETRY_STATUSES = {500, 502, 503, 504}
# Whole-file URLs come with the plan; one that waited this long behind other uploads is asked for again.
REPLAN_AFTER_SECONDS = 300


def concurrency() -> int:
    return max(1, int(os.environ.get("DELTACENTER_UPLOAD_CONCURRENCY", "8")))


@dataclass
class UploadReport:
    sent_bytes: int = 0  # bytes that reached S3 in this call
    skipped_bytes: int = 0  # bytes the hub held already, or that an earlier, interrupted push sent


class PartReader:
    """`length` bytes of a file from `offset`, read on demand: a request body that never sits in memory whole."""

    def __init__(self, path: Path, offset: int, length: int, progress: Callable[[int], object]) -> None:
        self.path, self.offset, self.length, self.progress = path, offset, length, progress
        self.handle, self.remaining = None, length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int | None = -1) -> bytes:
        if self.handle is None:
            self.handle = open(self.path, "rb")  # noqa: SIM115 - closed by close()
            self.handle.seek(self.offset)
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        self.progress(len(data))
        return data

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def storage_session(pool_size: int) -> requests.Session:
    """A session for S3 whose connections read request bodies a megabyte at a time."""
    session = requests.Session()
    adapter = _LargeBlockAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _LargeBlockAdapter(HTTPAdapter):
    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block=block, blocksize=READ_BYTES, **pool_kwargs)


@dataclass
class _File:
    entry: dict
    local: dict
    etags: dict = field(default_factory=dict)


class _NothingToSend(Exception):
    """The hub needs the file no more (an earlier push sent it meanwhile)."""


class PartSigner:
    """Presigned part URLs of one multipart upload, asked of the hub a batch at a time and again once expired."""

    def __init__(self, http: HubSession, sign_path: str, sha256: str, upload_id: str, wanted: list[int]) -> None:
        self.http, self.sign_path, self.sha256, self.upload_id = http, sign_path, sha256, upload_id
        self.wanted, self.urls, self.lock = wanted, {}, threading.Lock()
        self.requests = 0

    def url(self, number: int, fresh: bool = False) -> str:
        with self.lock:
            known = self.urls.get(number)
            if fresh or known is None or known[1] - time.monotonic() < EXPIRY_MARGIN_SECONDS:
                self._sign(number)
            return self.urls[number][0]

    def _sign(self, number: int) -> None:
        start = self.wanted.index(number) if number in self.wanted else 0
        batch = [number] + [n for n in self.wanted[start + 1 : start + SIGN_BATCH] if n not in self.urls]
        body = {"sha256": self.sha256, "upload_id": self.upload_id, "part_numbers": batch}
        answer = self.http.post_json(self.sign_path, body)
        self.requests += 1
        expires = time.monotonic() + answer["expires_in"]
        for part in answer["parts"]:
            self.urls[part["part_number"]] = (part["url"], expires)


class Uploader:
    """Upload what a plan asks for. `base_path` is the plan's path: parts are signed at `{base_path}/parts` and
    assembled at `{base_path}/complete`."""

    def __init__(self, http: HubSession, base_path: str, workers: int | None = None) -> None:
        self.http, self.base_path = http, base_path
        self.workers = workers or concurrency()
        self.session = storage_session(self.workers)
        self.report, self.lock, self.signers = UploadReport(), threading.Lock(), []
        self.planned_at = time.monotonic()

    def run(self, plan: list[dict], local_files: list[dict]) -> UploadReport:
        by_sha = {f["sha256"]: f for f in local_files}
        files = list({entry["sha256"]: _File(entry, by_sha[entry["sha256"]]) for entry in plan}.values())
        jobs = [job for f in files for job in self._jobs(f)]
        total = sum(size for _, size in jobs)
        with tqdm(total=total, unit="B", unit_scale=True, desc=_description(files, total), leave=False) as bar:
            self.bar = bar
            self._run_all([job for job, _ in jobs])
        for f in files:
            if f.entry["action"] == "multipart":
                self._complete(f)
        return self.report

    def _jobs(self, f: _File) -> list[tuple[Callable[[], None], int]]:
        action, size = f.entry["action"], f.local["size"]
        if action in ("stored", "staged"):
            self.report.skipped_bytes += size
            return []
        if action == "upload":
            return [(lambda: self._put_whole(f), size)]
        if action != "multipart":
            raise DeltaCenterError(f"The hub asked for an unknown upload action {action!r}.")
        for done in f.entry.get("parts_done", []):
            f.etags[done["part_number"]] = done["etag"]
            self.report.skipped_bytes += done["size"]
        missing = [n for n in range(1, f.entry["part_count"] + 1) if n not in f.etags]
        signer = PartSigner(self.http, f"{self.base_path}/parts", f.entry["sha256"], f.entry["upload_id"], missing)
        self.signers.append(signer)
        return [(lambda n=n: self._put_part(f, signer, n), self._part_size(f, n)) for n in missing]

    def _part_size(self, f: _File, number: int) -> int:
        part_bytes = f.entry["part_bytes"]
        return min(part_bytes, f.local["size"] - (number - 1) * part_bytes)

    def _run_all(self, jobs: list[Callable[[], None]]) -> None:
        with ThreadPoolExecutor(self.workers) as pool:
            futures = [pool.submit(job) for job in jobs]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _put_whole(self, f: _File) -> None:
        if time.monotonic() - self.planned_at > REPLAN_AFTER_SECONDS and not self._replan(f):
            return
        self._put(lambda fresh: self._whole_url(f, fresh), f.local["local"], 0, f.local["size"], f, f.local["path"])

    def _whole_url(self, f: _File, fresh: bool) -> str:
        if fresh and not self._replan(f):
            raise _NothingToSend()
        return f.entry["url"]

    def _replan(self, f: _File) -> bool:
        """Ask the hub again how to send `f` (its URL expired); False when it needs nothing any more."""
        declared = {key: f.local[key] for key in ("path", "size", "sha256")}
        entry = self.http.post_json(self.base_path, {"files": [declared]})["files"][0]
        if entry["action"] != "upload":
            with self.lock:
                self.report.skipped_bytes += f.local["size"]
            return False
        f.entry = entry
        return True

    def _put_part(self, f: _File, signer: PartSigner, number: int) -> None:
        offset = (number - 1) * f.entry["part_bytes"]
        size = self._part_size(f, number)
        label = f"{f.local['path']} part {number}"
        response = self._put(lambda fresh: signer.url(number, fresh), f.local["local"], offset, size, None, label)
        with self.lock:
            f.etags[number] = response.headers["ETag"]

    def _put(
        self,
        url_for: Callable[[bool], str],
        path: Path,
        offset: int,
        size: int,
        whole: _File | None,
        label: str,
    ) -> requests.Response | None:
        """PUT one body, retried with backoff; an expired or refused URL is asked for again (once per attempt).
        `whole` is the file a whole-file PUT sends, whose signed headers go along."""
        fresh = False
        for attempt in range(PUT_ATTEMPTS):
            try:
                url = url_for(fresh)
            except _NothingToSend:
                return None
            headers = {**(whole.entry.get("headers", {}) if whole is not None else {}), "Content-Length": str(size)}
            sent = []
            reader = PartReader(Path(path), offset, size, lambda n, sent=sent: self._progress(n, sent))
            try:
                response = self.session.put(url, data=reader, headers=headers, timeout=(10, 600))
            except (requests.ConnectionError, requests.Timeout):
                response = None
            finally:
                reader.close()
            if response is not None and response.status_code in (200, 201, 204):
                with self.lock:
                    self.report.sent_bytes += size
                return response
            self._progress(-sum(sent), [])
            if attempt == PUT_ATTEMPTS - 1 or (response is not None and _final(response)):
                raise _failed(label, response)
            fresh = response is not None and response.status_code == 403  # most likely an expired URL
            time.sleep(backoff_seconds(attempt))
        raise AssertionError("unreachable")

    def _progress(self, n: int, sent: list[int]) -> None:
        sent.append(n)
        self.bar.update(n)

    def _complete(self, f: _File) -> None:
        parts = [{"part_number": n, "etag": etag} for n, etag in sorted(f.etags.items())]
        body = {"sha256": f.entry["sha256"], "upload_id": f.entry["upload_id"], "parts": parts}
        self.http.post_json(f"{self.base_path}/complete", body)


def _description(files: list[_File], total: int) -> str:
    sending = [f for f in files if f.entry["action"] in ("upload", "multipart")]
    return f"uploading {len(sending)} file{'s' if len(sending) != 1 else ''}" if total else "nothing to upload"


def _final(response: requests.Response) -> bool:
    """A refusal that retrying cannot fix (403 is retried with a freshly signed URL)."""
    return response.status_code not in RETRY_STATUSES and response.status_code not in (403, 408, 429)


def _failed(label: str, response: requests.Response | None) -> DeltaCenterError:
    if response is None:
        return DeltaCenterError(f"Uploading {label} to storage failed: the connection kept breaking.")
    return DeltaCenterError(
        f"Uploading {label} to storage failed with HTTP {response.status_code}: {response.text[:200]}"
    )


def upload_planned(http: HubSession, plan: list[dict], local_files: list[dict], base_path: str) -> UploadReport:
    """Upload every file the plan marks upload/multipart, and assemble the multipart ones."""
    return Uploader(http, base_path).run(plan, local_files)
