"""Send the files the hub asked for straight to S3, single PUT or multipart."""

from concurrent.futures import ThreadPoolExecutor

import requests
from tqdm.auto import tqdm
from tqdm.utils import CallbackIOWrapper

from deltacenter.errors import DeltaCenterError

PART_THREADS = 4


def upload_planned(http, plan, local_files, complete_path):
    """Upload every file the plan marks upload/multipart; returns the number of bytes sent.

    Multipart uploads are assembled by POSTing their parts' ETags to `complete_path`."""
    by_sha = {f["sha256"]: f for f in local_files}
    sent, done = 0, set()
    for entry in plan:
        sha = entry["sha256"]
        if entry["action"] in ("stored", "staged") or sha in done:
            continue
        local = by_sha[sha]
        if entry["action"] == "upload":
            _put_whole(entry, local)
        elif entry["action"] == "multipart":
            parts = _put_parts(entry, local)
            http.post_json(complete_path, {"sha256": sha, "upload_id": entry["upload_id"], "parts": parts})
        else:
            raise DeltaCenterError(f"The hub asked for an unknown upload action {entry['action']!r}.")
        sent += local["size"]
        done.add(sha)
    return sent


def _put_whole(entry, local):
    with open(local["local"], "rb") as f, _bar(local) as bar:
        body = CallbackIOWrapper(bar.update, f, "read")
        response = requests.put(entry["url"], data=body, headers=entry.get("headers", {}), timeout=(10, 600))
    _check(response, local["path"])


def _put_parts(entry, local):
    part_bytes = entry["part_bytes"]
    with _bar(local) as bar:

        def send(part):
            with open(local["local"], "rb") as f:
                f.seek((part["part_number"] - 1) * part_bytes)
                data = f.read(part_bytes)
            response = requests.put(part["url"], data=data, timeout=(10, 600))
            _check(response, f"{local['path']} part {part['part_number']}")
            bar.update(len(data))
            return {"part_number": part["part_number"], "etag": response.headers["ETag"]}

        with ThreadPoolExecutor(PART_THREADS) as pool:
            return list(pool.map(send, entry["parts"]))


def _bar(local):
    return tqdm(total=local["size"], unit="B", unit_scale=True, desc=local["path"], leave=False)


def _check(response, label):
    if response.status_code not in (200, 201, 204):
        raise DeltaCenterError(
            f"Uploading {label} to storage failed with HTTP {response.status_code}: {response.text[:200]}"
        )
