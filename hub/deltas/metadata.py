"""The descriptive part of a push: delta type, task, datasets, tags, card, metrics."""

from dataclasses import dataclass, field

# Fields stored on the repository; None means "not given, keep what is there".
REPO_FIELDS = (
    "delta_type",
    "task",
    "train_datasets",
    "test_datasets",
    "tags",
    "dict_tags",
    "license",
    "private",
    "card",
)


@dataclass
class DeltaMetadata:
    """Validated by hub.deltas.inputs.CommitRequest."""

    backbone: str | None = None  # content hash; None when the files say which backbone (or nothing does)
    delta_type: str | None = None
    task: str | None = None
    train_datasets: list | None = None
    test_datasets: list | None = None
    tags: list | None = None
    dict_tags: dict | None = None
    license: str | None = None
    private: bool | None = None
    card: str | None = None
    commit_message: str = ""
    claimed_metrics: dict = field(default_factory=dict)
    training_args: dict = field(default_factory=dict)

    def _given(self) -> dict:
        return {name: getattr(self, name) for name in REPO_FIELDS if getattr(self, name) is not None}

    def changes(self, delta) -> bool:
        """Would applying this metadata change `delta`?"""
        return any(getattr(delta, name) != value for name, value in self._given().items())

    def apply_to(self, delta) -> None:
        for name, value in self._given().items():
            setattr(delta, name, value)
