"""DeltaCenter: the hub's REST API as Python methods."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from deltacenter.errors import DeltaCenterError, HubError
from deltacenter.http import HubSession
from deltacenter.upload import UploadReport, upload_planned

if TYPE_CHECKING:
    from deltacenter.backbone_hash import PathLike

FINALIZE_POLL_SECONDS = (0.25, 2.0)


def split_repo_id(repo_id: str) -> tuple[str, str]:
    namespace, sep, name = (repo_id or "").partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise DeltaCenterError(f"{repo_id!r} is not a repository id; write it as namespace/name, e.g. alice/bert-lora.")
    return namespace, name


class DeltaCenter:
    def __init__(self, endpoint: str | None = None, token: str | None = None) -> None:
        self.http = HubSession(endpoint, token)

    @property
    def endpoint(self) -> str:
        return self.http.endpoint

    def whoami(self) -> dict:
        return self.http.get_json("api/whoami")

    def list(self, limit: int = 20, page_size: int = 100, **filters: str | None) -> Iterator[dict]:
        """Iterate over at most `limit` deltas matching filters (backbone, delta_type, task, dataset, tag, author,
        validation, license, q, sort), following the cursor pages."""
        params = {key: value for key, value in filters.items() if value is not None}
        params["limit"] = min(limit, page_size, 100)
        path, yielded = "api/deltas", 0
        while path and yielded < limit:
            page = self.http.get_json(path, params=params)
            for delta in page["results"]:
                if yielded >= limit:
                    return
                yielded += 1
                yield delta
            path, params = page.get("next"), None

    def search(self, text: str, limit: int = 20, **filters: str | None) -> Iterator[dict]:
        return self.list(limit=limit, q=text, **filters)

    def facets(self, **filters: str | None) -> dict:
        """How many deltas match `filters` (as for list), in all and by facet value: {"total", "facets"}.
        A count with `exact` false is a lower bound."""
        params = {key: value for key, value in filters.items() if value is not None}
        return self.http.get_json("api/deltas/facets", params=params)

    def info(self, repo_id: str) -> dict:
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}")

    def versions(self, repo_id: str) -> list[dict]:
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}/versions")["versions"]

    def revision(self, repo_id: str, revision: str = "main") -> dict:
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}/revision/{revision}")

    def delete(self, repo_id: str) -> None:
        namespace, name = split_repo_id(repo_id)
        self.http.request("DELETE", f"api/deltas/{namespace}/{name}")

    def like(self, repo_id: str) -> dict:
        namespace, name = split_repo_id(repo_id)
        return self.http.post_json(f"api/deltas/{namespace}/{name}/like", {})

    def bind_backbone(self, repo_id: str, content_hash: str) -> dict:
        """Name the backbone of a delta the hub could not bind by itself (its files named no registered one)."""
        namespace, name = split_repo_id(repo_id)
        return self.http.post_json(f"api/deltas/{namespace}/{name}/backbone", {"content_hash": content_hash})

    def backbone(self, content_hash: str) -> dict:
        return self.http.get_json(f"api/backbones/{content_hash}")

    def register_backbone(self, description: dict) -> dict:
        return self.http.post_json("api/backbones", description)

    def download(self, repo_id: str, revision: str = "main", cache_dir: PathLike | None = None) -> Path:
        """Fetch a version's files into the cache; returns the local directory."""
        from deltacenter.pull import download_snapshot

        directory, _ = download_snapshot(self, repo_id, revision, cache_dir)
        return directory

    def push_files(self, repo_id: str, files: list[dict], metadata: dict) -> dict:
        """Upload what the hub lacks, then commit, waiting while the hub finalizes large uploads.
        `files` come from files.describe_files()."""
        namespace, name = split_repo_id(repo_id)
        declared, report = self._upload(f"api/deltas/{namespace}/{name}/upload", files)
        result = self._commit(f"api/deltas/{namespace}/{name}/commit", {**metadata, "files": declared})
        return {**result, "bytes_uploaded": report.sent_bytes, "bytes_skipped": report.skipped_bytes}

    def push_backbone_files(self, content_hash: str, files: list[dict]) -> int:
        """Upload a backbone's files (each shard on its own, so shards the hub holds are skipped) and attach them;
        returns the bytes sent."""
        declared, report = self._upload(f"api/backbones/{content_hash}/upload", files)
        self._commit(f"api/backbones/{content_hash}/files", {"files": declared})
        return report.sent_bytes

    def commit_status(self, commit_id: str) -> dict:
        return self.http.get_json(f"api/commits/{commit_id}")

    def wait_for_commit(self, commit_id: str, timeout: float | None = None) -> dict:
        """Wait until the hub has finalized a commit, showing its progress; its status once complete."""
        deadline = None if timeout is None else time.monotonic() + timeout
        status = self.commit_status(commit_id)
        delay = FINALIZE_POLL_SECONDS[0]
        with tqdm(total=status["bytes_total"], unit="B", unit_scale=True, desc="hub checks", leave=False) as bar:
            while status["status"] == "finalizing":
                if deadline is not None and time.monotonic() > deadline:
                    raise DeltaCenterError(f"Commit {commit_id[:12]} is still being finalized; check it again later.")
                time.sleep(delay)
                delay = min(delay * 2, FINALIZE_POLL_SECONDS[1])
                status = self.commit_status(commit_id)
                bar.update(status["bytes_done"] - bar.n)
        if status["status"] == "failed":
            raise HubError(status["reason_code"], status["reason"])
        return status

    def _commit(self, path: str, body: dict) -> dict:
        response = self.http.request("POST", path, json=body)
        result = response.json()
        if response.status_code == 202:
            result = self.wait_for_commit(result["commit_id"])
        return result

    def _upload(self, upload_path: str, files: list[dict]) -> tuple[list[dict], UploadReport]:
        """Declare `files` at `upload_path`, send what the hub asks for; returns (declared files, UploadReport)."""
        declared = [{key: f[key] for key in ("path", "size", "sha256")} for f in files]
        plan = self.http.post_json(upload_path, {"files": declared})["files"]
        return declared, upload_planned(self.http, plan, files, upload_path)
