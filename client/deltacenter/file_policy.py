"""Which weight formats are refused: one policy for the client, the hub and the validation workers."""

from pathlib import PurePosixPath

# Formats that can run code when loaded (pickle and what wraps it); refused whatever they claim to contain.
PICKLE_SUFFIXES = frozenset(
    {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz", ".h5", ".msgpack", ".mar"}
)
SAFE_ALTERNATIVE = "Save the weights with safetensors instead (PEFT: save_pretrained(..., safe_serialization=True))."


def is_pickle(path: str) -> bool:
    """Is `path` a file type that may execute code when loaded? Judged by its suffix, in any letter case."""
    return PurePosixPath(str(path)).suffix.lower() in PICKLE_SUFFIXES
