"""Downloads, counted once per client, delta and day, whichever client (ours or Hugging Face's) asked."""

import hashlib
import hmac

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from hub.deltas.models import Delta

# A delta is loaded through its config or its weights; README and other files are looked at, not loaded.
COUNTED_SUFFIXES = (".safetensors", "adapter_config.json", "delta_config.json")


def counts_as_download(path: str) -> bool:
    return path.endswith(COUNTED_SUFFIXES)


def client_key(user, address: str) -> str:
    """Who downloads: a user's id, else a keyed hash of the address (the address itself is never stored)."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    digest = hmac.new(settings.SECRET_KEY.encode(), (address or "").encode(), hashlib.sha256).hexdigest()
    return f"addr:{digest[:40]}"


@transaction.atomic
def record_download(delta: Delta, client: str) -> bool:
    """Count this client's download of `delta` today, unless it was counted already; True when it counted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO deltas_deltadownload (delta_id, day, client) VALUES (%s, %s, %s)"
            " ON CONFLICT (delta_id, day, client) DO NOTHING RETURNING id",
            [delta.pk, timezone.now().date(), client],
        )
        counted = cursor.fetchone() is not None
    if counted:
        Delta.objects.filter(pk=delta.pk).update(downloads_count=F("downloads_count") + 1)
    return counted
