"""The S3 bucket that holds every stored object, through boto3."""

import functools

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


def _make_client(endpoint_url):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        region_name=settings.S3_REGION,
        config=_CLIENT_CONFIG,
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
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        region_name=settings.S3_REGION,
        config=probe,
    )


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


def iter_object(key, chunk_bytes=8 * 1024 * 1024):
    body = client().get_object(Bucket=bucket(), Key=key)["Body"]
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


def put_checked(key, body, size, sha256_base64):
    """One PUT that S3 refuses unless the bytes have this sha256 (given base64, as S3 writes checksums)."""
    client().put_object(Bucket=bucket(), Key=key, Body=body, ContentLength=size, ChecksumSHA256=sha256_base64)


def delete_object(key):
    client().delete_object(Bucket=bucket(), Key=key)


def presigned_get(key, filename=None, expires=None):
    params = {"Bucket": bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
    return public_client().generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires or settings.S3_PRESIGN_SECONDS
    )
