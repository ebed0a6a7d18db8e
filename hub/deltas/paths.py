"""Which file paths a delta version may hold."""

import re
from pathlib import PurePosixPath

from deltacenter.file_policy import SAFE_ALTERNATIVE, is_pickle
from hub.accounts.names import is_device_name
from hub.core.errors import Invalid

MAX_PATH_LENGTH = 255
MAX_DEPTH = 4
ALLOWED_SUFFIXES = {".safetensors", ".json", ".md", ".txt", ".yaml", ".yml"}
_SEGMENT_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._+-]*")


def validate_path(path):
    """Raise Invalid unless `path` is a safe relative path with an allowed file type."""
    if not isinstance(path, str) or not path:
        raise Invalid("invalid_path", "Every file needs a non-empty path.")
    if len(path) > MAX_PATH_LENGTH:
        raise Invalid("invalid_path", f"The path {path[:40]!r}… is longer than {MAX_PATH_LENGTH} characters.")
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(part in ("", ".", "..") for part in parts):
        raise Invalid("invalid_path", f"The path {path!r} must be relative and stay inside the repository.")
    if len(parts) > MAX_DEPTH or not all(_SEGMENT_RE.fullmatch(part) for part in parts):
        raise Invalid(
            "invalid_path",
            f"The path {path!r} may have at most {MAX_DEPTH} levels of letters, digits, '.', '_', '+' and '-'.",
        )
    if any(is_device_name(part) or part.endswith(".") for part in parts):
        raise Invalid(
            "invalid_path", f"The path {path!r} has a segment Windows cannot save (a device name or a trailing dot)."
        )
    suffix = PurePosixPath(path).suffix.lower()
    if is_pickle(path):
        raise Invalid("pickle_not_allowed", f"{path}: {suffix} files can execute code when loaded. {SAFE_ALTERNATIVE}")
    if suffix not in ALLOWED_SUFFIXES:
        allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise Invalid("file_type_not_allowed", f"{path}: only these file types are accepted: {allowed}.")
    return path
