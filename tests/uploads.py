"""Drive the upload protocol from tests: declare, PUT to the presigned URLs, commit."""

import hashlib
import json
import struct

import requests


def safetensors_bytes(tensors=None, header=None, data=None):
    """A safetensors file; pass `header`/`data` to build a malformed one on purpose."""
    if header is None:
        tensors = tensors or {"lora_A.weight": [0.5, -0.25]}
        header, data, offset = {}, b"", 0
        for name, values in tensors.items():
            raw = struct.pack(f"<{len(values)}f", *values)
            header[name] = {"dtype": "F32", "shape": [len(values)], "data_offsets": [offset, offset + len(raw)]}
            data += raw
            offset += len(raw)
    encoded = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(encoded)) + encoded + (data or b"")


def declare(files):
    return [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for p, b in files.items()]


def put_planned(plan, files, body_for=None):
    """PUT each planned upload; `body_for(path, bytes)` may substitute what is sent."""
    for entry in plan:
        if entry["action"] != "upload":
            continue
        body = files[entry["path"]]
        if body_for is not None:
            body = body_for(entry["path"], body)
        response = requests.put(entry["url"], data=body, headers=checksum_header(entry), timeout=30)
        assert response.status_code == 200, response.text


def checksum_header(entry):
    """The signed headers of a planned upload, less Content-Length (requests sets it from the body)."""
    return {k: v for k, v in entry.get("headers", {}).items() if k.lower() != "content-length"}


def push(client, repo, files, backbone, body_for=None, **metadata):
    """Run the whole protocol with a DRF APIClient; returns the commit response."""
    declared = declare(files)
    plan = client.post(f"/api/deltas/{repo}/upload", {"files": declared}, format="json")
    if plan.status_code != 200:
        return plan
    put_planned(plan.json()["files"], files, body_for)
    body = {"files": declared, "backbone": backbone.content_hash, "delta_type": "lora", **metadata}
    return client.post(f"/api/deltas/{repo}/commit", body, format="json")


def lora_files(values=(0.5, -0.25)):
    return {
        "adapter_config.json": json.dumps({"peft_type": "LORA", "r": 2}).encode(),
        "adapter_model.safetensors": safetensors_bytes({"lora_A.weight": list(values)}),
    }


def send_in_parts(client, base_path, plan_entry, data):
    """Send a multipart plan entry's missing parts (URLs signed through the API) and assemble the upload."""
    part_bytes, done = plan_entry["part_bytes"], {p["part_number"]: p["etag"] for p in plan_entry["parts_done"]}
    missing = [n for n in range(1, plan_entry["part_count"] + 1) if n not in done]
    body = {"sha256": hashlib.sha256(data).hexdigest(), "upload_id": plan_entry["upload_id"]}
    if missing:
        signed = client.post(f"{base_path}/parts", {**body, "part_numbers": missing}, format="json")
        assert signed.status_code == 200, signed.content
        for part in signed.json()["parts"]:
            start = (part["part_number"] - 1) * part_bytes
            answer = requests.put(part["url"], data=data[start : start + part_bytes], timeout=60)
            assert answer.status_code == 200, answer.text
            done[part["part_number"]] = answer.headers["ETag"]
    parts = [{"part_number": n, "etag": etag} for n, etag in sorted(done.items())]
    completed = client.post(f"{base_path}/complete", {**body, "parts": parts}, format="json")
    assert completed.status_code == 200, completed.content


def finalize_now(commit_response):
    """Run the finalization a 202 commit answer names, here, as the worker's task would; returns its status."""
    from hub.deltas import finalizer
    from hub.deltas.models import Finalization

    assert commit_response.status_code == 202, commit_response.content
    finalization = Finalization.objects.get(commit_id=commit_response.json()["commit_id"])
    return finalizer.run(finalization.pk)


def weights_of(megabytes, seed=0):
    """A safetensors file of about `megabytes` MiB of float32 values, different for each seed."""
    import random

    data = random.Random(seed).randbytes(megabytes * 1024 * 1024)
    header = {"lora_A.weight": {"dtype": "F32", "shape": [len(data) // 4], "data_offsets": [0, len(data)]}}
    return safetensors_bytes(header=header, data=data)


def upload_form(backbone, files, **fields):
    """The fields of the site's upload form (/new) for alice's web-lora, `files` (path: bytes) attached."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "namespace": "alice",
        "name": "web-lora",
        "delta_type": "lora",
        "backbone": backbone.content_hash,
        "task": "sentiment",
        "tags": "english, small",
        "card": "# Web upload",
        **fields,
    }
    data["files"] = [SimpleUploadedFile(path, content) for path, content in files.items()]
    return data
