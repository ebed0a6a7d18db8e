"""Rows for page tests, made directly in the database (no S3 objects behind them, except a backbone's weights)."""

from hub.deltas.models import BackboneFile, Delta, DeltaVersion, StoredObject, VersionFile
from hub.evaluation.baselines import baseline_fields
from hub.evaluation.models import EvalResult, EvalSuite, LeaderboardEntry
from hub.evaluation.suites import store_bytes


def make_delta(namespace, name, backbone, **fields):
    delta_type = fields.pop("delta_type", "lora")
    return Delta.objects.create(namespace=namespace, name=name, backbone=backbone, delta_type=delta_type, **fields)


def make_version(delta, number=1, share=0.01, **fields):
    version = DeltaVersion.objects.create(
        delta=delta,
        number=number,
        commit_id=f"{delta.pk:08x}{number:032x}",
        manifest_sha256="a" * 64,
        trainable_parameters=10,
        trainable_share=share,
        **fields,
    )
    obj, _ = StoredObject.objects.get_or_create(sha256=f"{delta.pk:064x}", defaults={"size": 2048})
    VersionFile.objects.create(version=version, path="adapter_model.safetensors", object=obj)
    return version


def make_suite(name="sst2", version="1", metric="accuracy", task="sentiment"):
    return EvalSuite.objects.create(
        name=name,
        version=version,
        task=task,
        metric=metric,
        dataset_sha256="c" * 64,
        input_fields=["text"],
        label_names=["neg", "pos"],
    )


def make_entry(version, suite, score=0.9, status="pending", claimed=0.95, trivial=None, backbone_score=None):
    """A leaderboard entry for the version's result on `suite`; given a `trivial` or `backbone_score`, the result
    carries its baselines as the worker stores them."""
    baselines = baseline_fields(suite.metric, score, trivial, backbone_score)
    result = EvalResult.objects.create(
        version=version,
        suite=suite,
        metrics={"accuracy": score},
        score=score,
        num_examples=500,
        seed=0,
        duration_seconds=1.0,
        device="cpu",
        claimed_score=claimed,
        differs_from_claim=claimed is not None and abs(claimed - score) > 0.02,
        **baselines,
    )
    return LeaderboardEntry.objects.create(result=result, status=status)


def store_backbone_weights(backbone, tensors) -> None:
    """`tensors` (name: torch tensor), stored in the object store as the backbone's model.safetensors."""
    from safetensors.torch import save

    stored = store_bytes(save({name: tensor.contiguous() for name, tensor in tensors.items()}))
    BackboneFile.objects.create(backbone=backbone, path="model.safetensors", object=stored)
