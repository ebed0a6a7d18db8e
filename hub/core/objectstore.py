"""The S3 bucket that holds every stored object, through boto3."""

import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.client import Config
from botocore.exceptions import ClientError
from django.conf import settings

_CLIENT_CONFIG = Config(
    signature_version="s3v4",
    s3={"addressing_style": "path"},
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=5,
    read_timeout=60,
)


def _make_client(endpoint_url, config=_CLIENT_CONFIG):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        region_name=settings.S3_REGION,
        config=config,
    )


@functools.cache
def client():
    """Client for the hub's own calls to S3."""
    return _make_client(settings.S3_ENDPOINT_URL)


@functools.cache
def public_client():
    """Client that signs URLs for the endpoint users reach (the signature covers the host)."""
    return _make_client(settings.S3_PUBLIC_ENDPOINT_URL)


def bucket():
    return settings.S3_BUCKET


@functools.cache
def _probe_client(endpoint, timeout):
    probe = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                   connect_timeout=timeout, read_timeout=timeout)  # fmt: skip
    return _make_client(endpoint, probe)


def check_bucket(timeout=None):
    """Raise when the bucket cannot be reached with the hub's credentials (within `timeout` seconds, if given)."""
    probe = client() if timeout is None else _probe_client(settings.S3_ENDPOINT_URL, timeout)
    probe.head_bucket(Bucket=bucket())


def object_size(key):
    """Size of the object at `key`, or None when there is none."""
    head = head_with_checksum(key)
    return None if head is None else head["ContentLength"]


def head_with_checksum(key):
    """HEAD `key` asking for its stored checksum; None when there is no such object."""
    try:
        return client().head_object(Bucket=bucket(), Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def iter_object(key, chunk_bytes=8 * 1024 * 1024, if_match: str | None = None) -> Iterator[bytes]:
    """The object's bytes in chunks; with `if_match` (an ETag), S3 refuses an object that has changed since."""
    extra = {"IfMatch": if_match} if if_match else {}
    body = client().get_object(Bucket=bucket(), Key=key, **extra)["Body"]
    try:
        yield from body.iter_chunks(chunk_bytes)
    finally:
        body.close()


def read_range(key, start, length):
    response = client().get_object(Bucket=bucket(), Key=key, Range=f"bytes={start}-{start + length - 1}")
    return response["Body"].read()


def copy_object(source_key, dest_key):
    """Server-side copy (multipart for large objects); the bytes never pass through this process."""
    client().copy({"Bucket": bucket(), "Key": source_key}, bucket(), dest_key)


class ServerSideCopy:
    """Copy `source` (as it was at `etag`) to `dest` inside S3, in parts of `part_bytes` (UploadPartCopy) when
    larger than one part, else with one CopyObject. Parts start at once; `dest` appears only on complete(), so
    the copy can run while its source is still being checked and be abandoned with abort()."""

    def __init__(self, source: str, dest: str, size: int, etag: str, part_bytes: int, threads: int = 4):
        self.source, self.dest, self.size, self.etag, self.part_bytes = source, dest, size, etag, part_bytes
        self.upload_id = None
        self.pool = ThreadPoolExecutor(threads) if size > part_bytes else None
        self.parts = []
        if self.pool is not None:
            self.upload_id = client().create_multipart_upload(Bucket=bucket(), Key=dest)["UploadId"]
            starts = range(0, size, part_bytes)
            self.parts = [self.pool.submit(self._copy_part, n, start) for n, start in enumerate(starts, 1)]

    def _source(self) -> dict:
        return {"Bucket": bucket(), "Key": self.source}

    def _copy_part(self, number: int, start: int) -> dict:
        end = min(start + self.part_bytes, self.size) - 1
        answer = client().upload_part_copy(
            Bucket=bucket(), Key=self.dest, UploadId=self.upload_id, PartNumber=number, CopySource=self._source(),
            CopySourceRange=f"bytes={start}-{end}", CopySourceIfMatch=self.etag,
        )  # fmt: skip
        return {"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]}

    def complete(self) -> None:
        if self.pool is None:
            client().copy_object(Bucket=bucket(), Key=self.dest, CopySource=self._source(), CopySourceIfMatch=self.etag)
            return
        try:
            parts = [future.result() for future in self.parts]
            client().complete_multipart_upload(
                Bucket=bucket(), Key=self.dest, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.abort()
            raise
        finally:
            self.pool.shutdown(wait=False)

    def abort(self) -> None:
        if self.pool is None:
            return
        for future in self.parts:
            future.cancel()
        self.pool.shutdown(wait=True)
        abort_multipart(self.dest, self.upload_id)


def list_keys(prefix: str, page_size: int = 1000) -> Iterator[dict]:
    """Every object under `prefix` ({Key, Size, LastModified, ...}), page by page."""
    paginator = client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket(), Prefix=prefix, PaginationConfig={"PageSize": page_size}):
        yield from page.get("Contents", [])


def list_multipart_uploads(prefix: str, page_size: int = 1000) -> Iterator[dict]:
    """Every unfinished multipart upload under `prefix` ({Key, UploadId, Initiated}), page by page.

    Pages follow the markers the store returns: S3 gives the next key and upload id; SeaweedFS orders by upload id
    and gives only that one."""
    markers: dict = {}
    while True:
        page = client().list_multipart_uploads(Bucket=bucket(), Prefix=prefix, MaxUploads=page_size, **markers)
        uploads = page.get("Uploads", [])
        yield from uploads
        if not page.get("IsTruncated") or not uploads:
            return
        markers = {
            name: page[f"Next{name}"] for name in ("KeyMarker", "UploadIdMarker") if page.get(f"Next{name}")
        } or {"KeyMarker": uploads[-1]["Key"], "UploadIdMarker": uploads[-1]["UploadId"]}


def list_parts(key: str, upload_id: str, page_size: int = 1000) -> list[dict] | None:
    """The parts uploaded so far ({PartNumber, Size, ETag}), page by page; None when the upload is gone."""
    parts, marker = [], 0
    while True:
        try:
            page = client().list_parts(
                Bucket=bucket(), Key=key, UploadId=upload_id, MaxParts=page_size, PartNumberMarker=marker
            )
        except ClientError as exc:
            if error_code(exc) in ("NoSuchUpload", "404", "NotFound"):
                return None
            raise
        parts.extend(page.get("Parts", []))
        if not page.get("IsTruncated") or not page.get("Parts"):
            return parts
        marker = page.get("NextPartNumberMarker") or page["Parts"][-1]["PartNumber"]


def abort_multipart(key: str, upload_id: str) -> None:
    try:
        client().abort_multipart_upload(Bucket=bucket(), Key=key, UploadId=upload_id)
    except ClientError as exc:
        if error_code(exc) not in ("NoSuchUpload", "404", "NotFound"):
            raise


def put_checked(key, body, size, sha256_base64, metadata: dict | None = None):
    """One PUT that S3 refuses unless the bytes have this sha256 (given base64, as S3 writes checksums)."""
    client().put_object(
        Bucket=bucket(), Key=key, Body=body, ContentLength=size, ChecksumSHA256=sha256_base64, Metadata=metadata or {}
    )


def delete_object(key):
    client().delete_object(Bucket=bucket(), Key=key)


def presigned_get(key, filename=None, expires=None):
    params = {"Bucket": bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return public_client().generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires or settings.S3_PRESIGN_SECONDS
    )
