"""Upload from a browser form: put small files at their content address, then commit as the API does.

The bytes pass through the web process here, unlike with the client, so the form takes small files only.
Each PUT carries the sha256 computed here, so S3 refuses other bytes, just as for a client's presigned PUT;
everything after (format checks, the version's transaction) is the same code the REST commit runs.
"""

import hashlib

from hub.core.errors import TooLarge
from hub.core.validation import parse
from hub.deltas import objects
from hub.deltas.commit import commit_version, resolve_writable_namespace
from hub.deltas.inputs import CommitRequest
from hub.deltas.uploads import check_sizes

MAX_BROWSER_FILE_BYTES = 32 * 1024 * 1024
MAX_BROWSER_TOTAL_BYTES = 64 * 1024 * 1024


def upload_from_browser(user, namespace, name, metadata, uploaded_files):
    resolve_writable_namespace(user, namespace)  # refuse before any bytes move
    declared = [_declare(f) for f in uploaded_files]
    if sum(d["size"] for d in declared) > MAX_BROWSER_TOTAL_BYTES:
        raise TooLarge("upload_too_large", _too_large_message(MAX_BROWSER_TOTAL_BYTES, "together"))
    # Paths, sizes, duplicates and metadata are checked before any bytes move.
    parsed_metadata, files = parse(CommitRequest, {**metadata, "files": declared})
    check_sizes(files)
    for item, uploaded in zip(declared, uploaded_files, strict=True):
        uploaded.seek(0)
        objects.store(item["sha256"], uploaded, uploaded.size)
    # The hub hashed these bytes itself: they are this user's to commit.
    proven = frozenset(item["sha256"] for item in declared)
    return commit_version(user, namespace, name, parsed_metadata, files, proven=proven)


def _declare(uploaded):
    if uploaded.size > MAX_BROWSER_FILE_BYTES:
        raise TooLarge("file_too_large", f"{uploaded.name}: {_too_large_message(MAX_BROWSER_FILE_BYTES)}")
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    return {"path": uploaded.name, "size": uploaded.size, "sha256": digest.hexdigest()}


def _too_large_message(limit, how="each"):
    mib = limit // (1024 * 1024)
    return f"the browser form takes at most {mib} MiB {how}; push larger deltas with `deltacenter push`."
