"""DeltaCenter: the hub's REST API as Python methods."""

from deltacenter.errors import DeltaCenterError
from deltacenter.http import HubSession
from deltacenter.upload import upload_planned


def split_repo_id(repo_id):
    namespace, sep, name = (repo_id or "").partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise DeltaCenterError(f"{repo_id!r} is not a repository id; write it as namespace/name, e.g. alice/bert-lora.")
    return namespace, name


class DeltaCenter:
    def __init__(self, endpoint=None, token=None):
        self.http = HubSession(endpoint, token)

    @property
    def endpoint(self):
        return self.http.endpoint

    def whoami(self):
        return self.http.get_json("api/whoami")

    def list(self, limit=20, page_size=100, **filters):
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

    def search(self, text, limit=20, **filters):
        return self.list(limit=limit, q=text, **filters)

    def facets(self, **filters):
        """How many deltas match `filters` (as for list), in all and by facet value: {"total", "facets"}.
        A count with `exact` false is a lower bound."""
        params = {key: value for key, value in filters.items() if value is not None}
        return self.http.get_json("api/deltas/facets", params=params)

    def info(self, repo_id):
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}")

    def versions(self, repo_id):
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}/versions")["versions"]

    def revision(self, repo_id, revision="main"):
        namespace, name = split_repo_id(repo_id)
        return self.http.get_json(f"api/deltas/{namespace}/{name}/revision/{revision}")

    def delete(self, repo_id):
        namespace, name = split_repo_id(repo_id)
        self.http.request("DELETE", f"api/deltas/{namespace}/{name}")

    def like(self, repo_id):
        namespace, name = split_repo_id(repo_id)
        return self.http.post_json(f"api/deltas/{namespace}/{name}/like", {})

    def bind_backbone(self, repo_id, content_hash):
        """Name the backbone of a delta the hub could not bind by itself (its files named no registered one)."""
        namespace, name = split_repo_id(repo_id)
        return self.http.post_json(f"api/deltas/{namespace}/{name}/backbone", {"content_hash": content_hash})

    def backbone(self, content_hash):
        return self.http.get_json(f"api/backbones/{content_hash}")

    def register_backbone(self, description):
        return self.http.post_json("api/backbones", description)

    def download(self, repo_id, revision="main", cache_dir=None):
        """Fetch a version's files into the cache; returns the local directory."""
        from deltacenter.pull import download_snapshot

        directory, _ = download_snapshot(self, repo_id, revision, cache_dir)
        return directory

    def push_files(self, repo_id, files, metadata):
        """Upload what the hub lacks, then commit. `files` come from files.describe_files()."""
        namespace, name = split_repo_id(repo_id)
        declared, sent = self._upload(f"api/deltas/{namespace}/{name}/upload", files)
        result = self.http.post_json(f"api/deltas/{namespace}/{name}/commit", {**metadata, "files": declared})
        return {**result, "bytes_uploaded": sent}

    def push_backbone_files(self, content_hash, files):
        declared, sent = self._upload(f"api/backbones/{content_hash}/upload", files)
        self.http.post_json(f"api/backbones/{content_hash}/files", {"files": declared})
        return sent

    def _upload(self, upload_path, files):
        """Declare `files` at `upload_path`, send what the hub asks for; returns (declared files, bytes sent)."""
        declared = [{key: f[key] for key in ("path", "size", "sha256")} for f in files]
        plan = self.http.post_json(upload_path, {"files": declared})["files"]
        return declared, upload_planned(self.http, plan, files, f"{upload_path}/complete")
