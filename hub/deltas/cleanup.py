"""Remove what abandoned pushes leave in the bucket: staged uploads and unfinished multipart uploads.

Objects uploaded straight to their content address are never swept: a commit may record one at any moment
(its bytes are checked by S3 and reused by the next push of the same content), and deleting it in that
window would lose a committed file.
"""

from datetime import timedelta

from django.utils import timezone

from hub.core import objectstore

ABANDONED_AFTER = timedelta(days=1)
STAGING_PREFIX = "uploads/"


def _old_staged_keys(cutoff):
    paginator = objectstore.client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=objectstore.bucket(), Prefix=STAGING_PREFIX):
        for item in page.get("Contents", []):
            if item["LastModified"] < cutoff:
                yield item["Key"]


def _abort_old_multipart_uploads(cutoff):
    response = objectstore.client().list_multipart_uploads(Bucket=objectstore.bucket(), Prefix=STAGING_PREFIX)
    old = [upload for upload in response.get("Uploads", []) if upload["Initiated"] < cutoff]
    for upload in old:
        objectstore.client().abort_multipart_upload(
            Bucket=objectstore.bucket(), Key=upload["Key"], UploadId=upload["UploadId"]
        )
    return len(old)


def sweep_abandoned_uploads(older_than=ABANDONED_AFTER):
    """Delete staged uploads older than `older_than`; returns counts of what went."""
    cutoff = timezone.now() - older_than
    staged = list(_old_staged_keys(cutoff))
    for key in staged:
        objectstore.delete_object(key)
    return {"staged": len(staged), "multipart": _abort_old_multipart_uploads(cutoff)}
