"""Find a model's checkpoint on this machine and compute the content hash a hub would record for it."""

from pathlib import Path

from deltacenter.cards import looks_like_local_path
from deltacenter.errors import DeltaCenterError


def local_checkpoint(path_or_name: str) -> Path:
    """The directory of a checkpoint: `path_or_name` itself when it is a directory, else the snapshot the local
    Hugging Face cache holds for that name (nothing is downloaded)."""
    directory = Path(path_or_name).expanduser()
    if directory.is_dir():
        return directory
    if looks_like_local_path(path_or_name):
        raise DeltaCenterError(f"There is no directory {path_or_name}.")
    if directory.exists():
        raise DeltaCenterError(f"{path_or_name} is a file; pass the directory that holds the model's config.json.")
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
    except ImportError:
        raise DeltaCenterError(
            f"{path_or_name} is not a directory, and finding a name in the Hugging Face cache needs huggingface_hub"
            ' (pip install "deltacenter[torch]").'
        ) from None
    try:
        return Path(snapshot_download(path_or_name, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError):
        raise DeltaCenterError(
            f"{path_or_name} is neither a directory nor a model in the local Hugging Face cache. Download it first"
            f" (hf download {path_or_name}), or pass the directory of its weights."
        ) from None


def content_hash_of(path_or_name: str) -> str:
    """The backbone content hash of a local checkpoint, computed the way push_backbone registers it."""
    directory = local_checkpoint(path_or_name)
    if not (directory / "config.json").is_file():
        raise DeltaCenterError(f"{directory} has no config.json: it is not a transformers checkpoint.")
    from deltacenter.backbone_hash import backbone_hash
    from deltacenter.push import load_checkpoint

    try:
        return backbone_hash(load_checkpoint(directory))
    except ImportError:  # load_checkpoint imports torch and transformers
        raise DeltaCenterError(
            'Hashing a checkpoint needs torch and transformers (pip install "deltacenter[torch]").'
        ) from None
    except (OSError, ValueError) as exc:
        raise DeltaCenterError(f"{directory}: the checkpoint could not be loaded: {exc}") from None
