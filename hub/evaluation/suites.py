"""Registered evaluation suites in the database, their test splits stored in the bucket by sha256."""

import hashlib

from django.db import transaction

from deltacenter.families import HEAD_FAMILIES
from hub.core import objectstore
from hub.deltas.models import StoredObject, object_key
from hub.evaluation.catalogue import dataset_bytes, draw_split, field_roles
from hub.evaluation.models import EvalSuite


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
    stored = store_bytes(dataset_bytes(rows, spec.columns))
    input_fields, label_field = field_roles(spec)
    with transaction.atomic():
        return EvalSuite.objects.update_or_create(
            name=spec.name,
            version=spec.version,
            defaults={
                "task": spec.task,
                "description": spec.description,
                "metric": spec.metric,
                "kind": spec.kind,
                "families": list(spec.families),
                "options": dict(spec.options),
                "dataset": stored,
                "dataset_sha256": stored.sha256,
                "input_fields": input_fields,
                "label_field": label_field,
                "label_names": list(spec.label_names),
                "split": {"seed": spec.seed, "size": len(rows)},
                "is_active": True,
            },
        )


def suites_for(family, task):
    """The active suites a delta of `family` declared for `task` is measured on.

    A classifier's head only fits suites of its own task; language models and embedders are measured on
    every suite of their family, whatever task they were tuned for.
    """
    suites = EvalSuite.objects.filter(is_active=True, families__contains=[family])
    if family in HEAD_FAMILIES:
        suites = suites.filter(task=task).exclude(task="")
    return suites.order_by("name", "version")
