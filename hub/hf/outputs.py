"""The Hugging Face shapes the read routes answer with, declared for the OpenAPI schema (see representations)."""

from rest_framework import serializers


def shape(name, fields):
    """A serializer class from a dict, for field names Python cannot spell (`_id`)."""
    return type(name, (serializers.Serializer,), fields)


LFS_INFO = shape(
    "HfLfsInfo",
    {"oid": serializers.CharField(), "size": serializers.IntegerField(), "pointerSize": serializers.IntegerField()},
)
TREE_ENTRY = shape(
    "HfTreeEntry",
    {
        "type": serializers.ChoiceField(["file", "directory"]),
        "oid": serializers.CharField(),
        "path": serializers.CharField(),
        "size": serializers.IntegerField(required=False),
        "lfs": LFS_INFO(required=False),
    },
)
MODEL_SUMMARY_FIELDS = {
    "_id": serializers.CharField(),
    "id": serializers.CharField(),
    "modelId": serializers.CharField(),
    "author": serializers.CharField(),
    "private": serializers.BooleanField(),
    "gated": serializers.BooleanField(),
    "disabled": serializers.BooleanField(),
    "downloads": serializers.IntegerField(),
    "likes": serializers.IntegerField(),
    "tags": serializers.ListField(child=serializers.CharField()),
    "pipeline_tag": serializers.CharField(allow_null=True),
    "library_name": serializers.CharField(allow_null=True),
    "createdAt": serializers.CharField(),
    "lastModified": serializers.CharField(),
}
MODEL_SUMMARY = shape("HfModelSummary", fields=MODEL_SUMMARY_FIELDS)
MODEL_INFO = shape(
    "HfModelInfo",
    {
        **MODEL_SUMMARY_FIELDS,
        "sha": serializers.CharField(allow_null=True),
        "cardData": serializers.DictField(allow_null=True),
        "siblings": serializers.ListField(child=serializers.DictField()),
        "usedStorage": serializers.IntegerField(),
        "deltacenter": serializers.DictField(),
    },
)
COMMIT_ENTRY = shape(
    "HfCommitEntry",
    {
        "id": serializers.CharField(),
        "title": serializers.CharField(),
        "message": serializers.CharField(allow_blank=True),
        "authors": serializers.ListField(child=serializers.DictField()),
        "date": serializers.CharField(),
    },
)
REFS = shape(
    "HfRefs",
    {
        "branches": serializers.ListField(child=serializers.DictField()),
        "converts": serializers.ListField(child=serializers.DictField()),
        "tags": serializers.ListField(child=serializers.DictField()),
        "pullRequests": serializers.ListField(child=serializers.DictField()),
    },
)
