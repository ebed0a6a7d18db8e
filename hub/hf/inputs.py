"""The bodies the Hugging Face Hub protocol sends, as serializers (the OpenAPI schema is built from them)."""

from rest_framework import serializers

from hub.deltas.inputs import BIGINT_MAX, Sha256Field

REPO_TYPES = ("model", "dataset", "space")


class RepoNameRequest(serializers.Serializer):
    name = serializers.CharField(max_length=96, help_text="The repository's name, without its namespace.")
    organization = serializers.CharField(
        max_length=96, required=False, allow_null=True, help_text="The namespace; your own when absent."
    )
    type = serializers.ChoiceField(REPO_TYPES, required=False, allow_null=True, default="model")


class CreateRepoRequest(RepoNameRequest):
    private = serializers.BooleanField(required=False, allow_null=True, default=None)
    visibility = serializers.ChoiceField(["public", "private"], required=False, allow_null=True)


class DeleteRepoRequest(RepoNameRequest):
    pass


class RepoSettingsRequest(serializers.Serializer):
    private = serializers.BooleanField(required=False, allow_null=True, default=None)
    visibility = serializers.ChoiceField(["public", "private"], required=False, allow_null=True)
    gated = serializers.JSONField(required=False, help_text="Only false: this hub has no gated repositories.")


class ValidateYamlRequest(serializers.Serializer):
    # Field names in camelCase are the protocol's own.
    content = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=512 * 1024)
    repoType = serializers.CharField(required=False, max_length=20)


class PreuploadFile(serializers.Serializer):
    path = serializers.CharField(max_length=1000, trim_whitespace=False)
    size = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX)
    sample = serializers.CharField(allow_blank=True, required=False, max_length=4096, trim_whitespace=False)


class PreuploadRequest(serializers.Serializer):
    files = serializers.ListField(child=PreuploadFile(), max_length=1000)
    gitIgnore = serializers.CharField(required=False, allow_blank=True, max_length=64 * 1024)


class LfsObject(serializers.Serializer):
    oid = Sha256Field(help_text="The file's sha256.")
    size = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX)


class LfsBatchRequest(serializers.Serializer):
    operation = serializers.ChoiceField(["upload", "download"])
    transfers = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=10)
    objects = serializers.ListField(child=LfsObject(), min_length=1, max_length=1000)
    hash_algo = serializers.ChoiceField(["sha256"], required=False)
    ref = serializers.DictField(required=False)


class LfsVerifyRequest(LfsObject):
    pass


class LfsPart(serializers.Serializer):
    partNumber = serializers.IntegerField(min_value=1, max_value=10_000)
    etag = serializers.CharField(max_length=200)


class LfsCompleteRequest(serializers.Serializer):
    oid = Sha256Field()
    parts = serializers.ListField(child=LfsPart(), min_length=1, max_length=10_000)
