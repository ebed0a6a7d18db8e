"""Repositories, revisions and files in the shapes huggingface_hub parses (ModelInfo, RepoFile, GitCommitInfo).

Every file is presented as Git LFS presents a large file: its `lfs.oid` is the sha256 the hub stores it by, and
its `oid` is the git blob id of the LFS pointer file, so the same content always has the same ids.
"""

import hashlib
from datetime import UTC

from django.conf import settings

from hub.deltas.cards import CardError, parse_front_matter
from hub.deltas.models import Delta, DeltaVersion
from hub.deltas.verify import CARD_PATH
from hub.evaluation.outcome import validation_summary

LIBRARY = {"lora": "peft", "ia3": "peft", "prefix": "peft", "prompt": "peft", "adapter": "peft"}


def timestamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()


def file_entry(version_file) -> dict:
    obj = version_file.object
    pointer = lfs_pointer(obj.sha256, obj.size)
    return {
        "type": "file",
        "oid": git_blob_id(pointer),
        "size": obj.size,
        "path": version_file.path,
        "lfs": {"oid": obj.sha256, "size": obj.size, "pointerSize": len(pointer)},
    }


def folder_entry(path: str) -> dict:
    return {"type": "directory", "oid": git_blob_id(path.encode()), "path": path}


def sibling(version_file, with_sizes: bool) -> dict:
    if not with_sizes:
        return {"rfilename": version_file.path}
    entry = file_entry(version_file)
    lfs = entry["lfs"]
    return {
        "rfilename": entry["path"],
        "size": entry["size"],
        "blobId": entry["oid"],
        "lfs": {"size": lfs["size"], "sha256": lfs["oid"], "pointerSize": lfs["pointerSize"]},
    }


def card_data(delta: Delta) -> dict | None:
    try:
        return parse_front_matter(delta.card) or None
    except CardError:
        return None


def tags(delta: Delta) -> list[str]:
    extra = [delta.delta_type]
    if delta.delta_type in LIBRARY:
        extra.append(LIBRARY[delta.delta_type])
    if delta.backbone is not None:
        extra.append(f"base_model:adapter:{delta.backbone.name}")
    extra += [f"dataset:{name}" for name in delta.train_datasets]
    if delta.license:
        extra.append(f"license:{delta.license}")
    return list(dict.fromkeys([*delta.tags, *extra]))


def model_summary(delta: Delta) -> dict:
    """What a listing shows of a repository (GET /api/models)."""
    return {
        "_id": str(delta.pk),
        "id": delta.full_name,
        "modelId": delta.full_name,
        "author": delta.namespace.name,
        "private": delta.private,
        "gated": False,
        "disabled": False,
        "downloads": delta.downloads_count,
        "likes": delta.likes_count,
        "tags": tags(delta),
        "pipeline_tag": None,
        "library_name": LIBRARY.get(delta.delta_type),
        "createdAt": timestamp(delta.created_at),
        "lastModified": timestamp(delta.updated_at),
    }


def model_info(delta: Delta, version: DeltaVersion | None, with_sizes: bool = False) -> dict:
    """One repository at one revision (GET /api/models/{repo}[/revision/{rev}])."""
    files = list(version.files.all()) if version is not None else []
    info = {
        **model_summary(delta),
        "sha": version.commit_id if version is not None else None,
        "lastModified": timestamp(version.created_at if version is not None else delta.updated_at),
        "cardData": card_data(delta) if any(f.path == CARD_PATH for f in files) else None,
        "siblings": [sibling(f, with_sizes) for f in files],
        "usedStorage": sum(f.object.size for f in files),
        "deltacenter": hub_extras(delta, version),
    }
    return info


def hub_extras(delta: Delta, version: DeltaVersion | None) -> dict:
    """What this hub knows beyond the Hugging Face fields: the backbone by hash, and validation."""
    backbone = delta.backbone
    return {
        "url": f"{settings.SITE_URL}/{delta.full_name}",
        "delta_type": delta.delta_type,
        "task": delta.task,
        "backbone": (
            {"content_hash": backbone.content_hash, "name": backbone.name, "binding": delta.backbone_binding}
            if backbone is not None
            else {"content_hash": None, "name": delta.base_model_name or None, "binding": delta.backbone_binding}
        ),
        "validation": validation_summary(version) if version is not None else None,
    }


def commit_entry(version: DeltaVersion) -> dict:
    title, _, body = (version.commit_message or f"Version {version.number}").partition("\n")
    author = version.author.username if version.author is not None else None
    return {
        "id": version.commit_id,
        "title": title.strip() or f"Version {version.number}",
        "message": body.strip(),
        "authors": [{"user": author}] if author else [],
        "date": timestamp(version.created_at),
    }


def refs(delta: Delta, latest: DeltaVersion | None) -> dict:
    branches = [{"name": "main", "ref": "refs/heads/main", "targetCommit": latest.commit_id}] if latest else []
    return {"branches": branches, "converts": [], "tags": [], "pullRequests": []}
