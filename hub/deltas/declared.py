"""Files as a client declares them (path, size, sha256), and where each account's uploads are staged."""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from hub.core.errors import TooLarge


@dataclass(frozen=True)
class DeclaredFile:
    path: str
    size: int
    sha256: str


def check_sizes(files: list[DeclaredFile], max_file_bytes: int | None = None) -> list[DeclaredFile]:
    """Refuse files over the size limit (backbones have a limit of their own)."""
    max_file_bytes = max_file_bytes or settings.DELTACENTER_MAX_FILE_BYTES
    for declared in files:
        if declared.size > max_file_bytes:
            raise TooLarge(
                "file_too_large",
                f"{declared.path} is {declared.size} bytes; the limit is {max_file_bytes}.",
                field="files",
            )
    return files


def staging_key(user, sha256: str) -> str:
    """The key `user`'s staged upload of `sha256` goes to: no other account can write or name it."""
    token = hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{sha256}".encode(), hashlib.sha256).hexdigest()
    return f"uploads/{user.pk}/{token[:32]}/{sha256}"


def sha256_base64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()
