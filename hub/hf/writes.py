"""Write side of the Hugging Face Hub protocol: create, configure and delete repositories, and commit files.

A commit through this protocol makes the same immutable version, with the same checks and the same validation
job, as a push with the deltacenter client. One that names files uploaded through Git LFS is finalized by a task
(their sha256 read back): the commit waits for it a while and answers with the version's commit id; past that
wait it answers with the commit id the version will have once finalized, and the revision appears then.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hub.accounts.permissions import TokenScopes
from hub.core import objectstore
from hub.core.errors import Conflict, DomainError, Invalid, NotFound
from hub.core.validation import parse
from hub.deltas import finalize, objects, owner_edits, possession, repos, services
from hub.deltas.cards import CardError, parse_front_matter
from hub.deltas.file_commits import FileChanges, commit_file_changes
from hub.deltas.models import Finalization, StoredObject, object_key
from hub.deltas.paths import validate_path
from hub.deltas.uploads import DeclaredFile, sha256_base64
from hub.hf.inputs import (
    CreateRepoRequest,
    DeleteRepoRequest,
    PreuploadRequest,
    RepoSettingsRequest,
    ValidateYamlRequest,
)
from hub.hf.ndjson import CommitBodyError, CommitStream
from hub.hf.views import HfView, site

WRITERS = [IsAuthenticated, TokenScopes]
# How long a commit of Git LFS files waits for their finalization before answering (under a 30 s worker timeout).
COMMIT_WAIT_SECONDS = 20
XET_MESSAGE = (
    "This hub does not serve the Xet protocol. Files over {limit} MiB are uploaded through Git LFS, which"
    " huggingface_hub uses when Xet is switched off: set HF_HUB_DISABLE_XET=1 in the environment and push again."
)


def repo_namespace(user, body) -> str:
    if body.get("type") not in (None, "model"):
        raise Invalid("unsupported_repo_type", "This hub holds models (deltas) only, not datasets or spaces.")
    return body.get("organization") or repos.personal_namespace(user).name


class CreateRepoView(HfView):
    throttle_scope = "repos"
    permission_classes = WRITERS

    @extend_schema(request=CreateRepoRequest, responses=OpenApiTypes.OBJECT, summary="Create an empty repository")
    def post(self, request):
        body = parse(CreateRepoRequest, request.data)
        namespace = repo_namespace(request.user, body)
        private = body.get("visibility") == "private" if body.get("visibility") else bool(body.get("private"))
        try:
            delta = repos.create_repository(request.user, namespace, body["name"], private=private)
        except Conflict as exc:
            if exc.code != "repo_exists":
                raise
            url = f"{site(request)}/{exc.details['id']}"
            return Response({"error": exc.message, "url": url}, status=409)
        return Response({"url": f"{site(request)}/{delta.full_name}", "name": delta.full_name, "id": str(delta.pk)})


class DeleteRepoView(HfView):
    permission_classes = WRITERS

    @extend_schema(request=DeleteRepoRequest, responses=OpenApiTypes.OBJECT, summary="Delete a repository")
    def delete(self, request):
        body = parse(DeleteRepoRequest, request.data)
        delta = services.get_visible_delta(request.user, repo_namespace(request.user, body), body["name"])
        owner_edits.delete_delta(request.user, delta)
        return Response({})


class RepoSettingsView(HfView):
    permission_classes = WRITERS

    @extend_schema(request=RepoSettingsRequest, responses=OpenApiTypes.OBJECT, summary="Make a repository private")
    def put(self, request, namespace, name):
        body = parse(RepoSettingsRequest, request.data)
        delta = services.get_visible_delta(request.user, namespace, name)
        if body.get("gated") not in (None, False):
            raise Invalid("unsupported_setting", "gated: this hub has no gated repositories.", field="gated")
        private = body.get("private")
        if body.get("visibility"):
            private = body["visibility"] == "private"
        if private is not None:
            owner_edits.set_visibility(request.user, delta, private)
        else:
            owner_edits.check_writable(request.user, delta)
        return Response({"private": delta.private})


class ValidateYamlView(HfView):
    @extend_schema(request=ValidateYamlRequest, responses=OpenApiTypes.OBJECT, summary="Check a card's metadata")
    def post(self, request):
        body = parse(ValidateYamlRequest, request.data)
        try:
            parse_front_matter(body["content"])
        except CardError as exc:
            raise Invalid("invalid_card", f"Invalid metadata in README.md: {exc}.") from None
        return Response({"errors": [], "warnings": []})


class PreuploadView(HfView):
    throttle_scope = "uploads"
    permission_classes = WRITERS

    @extend_schema(
        request=PreuploadRequest, responses=OpenApiTypes.OBJECT,
        summary="How to send each file: inline in the commit (regular) or through Git LFS",
    )  # fmt: skip
    def post(self, request, namespace, name, revision):
        delta = writable_at_main(request.user, namespace, name, revision)
        files = parse(PreuploadRequest, request.data)["files"]
        limit = settings.DELTACENTER_HF_INLINE_MAX_BYTES
        answers = []
        for item in files:
            validate_path(item["path"])
            mode = "regular" if item["size"] <= limit else "lfs"
            answers.append({"path": item["path"], "uploadMode": mode, "shouldIgnore": False})
        latest = services.latest_version(delta)
        return Response({"files": answers, "commitOid": latest.commit_id if latest else None})


def writable_at_main(user, namespace, name, revision):
    delta = owner_edits.check_writable(user, services.get_visible_delta(user, namespace, name))
    if revision != "main":
        raise NotFound("revision_not_found", f"{delta.full_name} has one branch, main; commit to it.")
    return delta


# huggingface_hub's Xet library reports a failed token request by its status and final URL only, so the token
# request is redirected to an address that says what to do; that address answers with the whole explanation.
XET_HINT_PATH = "/api/xet-is-not-served/set-HF_HUB_DISABLE_XET=1-and-push-again"


ANY_BODY = {"application/json": OpenApiTypes.OBJECT}


@extend_schema(request=ANY_BODY, responses={302: None}, summary="Xet is not served: redirected to what to do instead")
class XetTokenView(HfView):
    def get(self, request, namespace, name, revision):
        return Response(status=302, headers={"Location": f"{site(request)}{XET_HINT_PATH}"})

    def post(self, request, namespace, name, revision):
        return self.get(request, namespace, name, revision)


@extend_schema(request=ANY_BODY, responses=OpenApiTypes.OBJECT, summary="How to upload large files without Xet")
class XetHintView(HfView):
    def get(self, request):
        limit = settings.DELTACENTER_HF_INLINE_MAX_BYTES // 1024**2
        raise Invalid("xet_not_supported", XET_MESSAGE.format(limit=limit))

    def post(self, request):
        return self.get(request)


class CommitView(HfView):
    throttle_scope = "commits"
    permission_classes = WRITERS

    @extend_schema(
        request={"application/x-ndjson": OpenApiTypes.STR}, responses=OpenApiTypes.OBJECT,
        summary="Commit files (NDJSON lines: header, file, lfsFile, deletedFile, deletedFolder)",
    )  # fmt: skip
    def post(self, request, namespace, name, revision):
        delta = writable_at_main(request.user, namespace, name, revision)
        with tempfile.TemporaryDirectory(prefix="deltacenter-commit-") as spool:
            changes, inline = read_commit(request.stream, Path(spool), request.user)
            uploaded = store_inline_files(request.user, inline)
            proven = frozenset(f.sha256 for f in inline.values())
            try:
                outcome = commit_file_changes(request.user, delta, changes, proven=proven)
            except DomainError:
                forget_unrecorded(uploaded)
                raise
        commit_id = outcome.version.commit_id if outcome.pending is None else _finalized(outcome.pending)
        return Response({
            "success": True,
            "commitOid": commit_id,
            "commitUrl": f"{site(request)}/{delta.full_name}/commit/{commit_id}",
            "pullRequestUrl": None,
        })  # fmt: skip


def _finalized(pending: Finalization) -> str:
    """The commit id of a finalized commit, waited for a while; the id it will have, if it takes longer."""
    pending = finalize.wait(pending, COMMIT_WAIT_SECONDS)
    if pending.status == Finalization.Status.FAILED:
        raise finalize.failure(pending)
    if pending.status == Finalization.Status.COMPLETE:
        return pending.version.commit_id
    return pending.commit_id


def read_commit(stream, spool: Path, user) -> tuple[FileChanges, dict]:
    """The commit's changes, with the files sent inline spooled to disk; every path is checked as it comes."""
    if stream is None:
        raise Invalid("invalid_commit", "The commit body is empty.")
    changes, inline = FileChanges(), {}
    reader = CommitStream(
        stream, spool, settings.DELTACENTER_HF_INLINE_MAX_BYTES, settings.DELTACENTER_HF_INLINE_MAX_BYTES * 4
    )
    try:
        for line in reader:
            _apply_line(line, changes, inline, user)
    except CommitBodyError as exc:
        raise Invalid(exc.code, str(exc)) from None
    return changes, inline


def _apply_line(line, changes, inline, user):
    value = line.value
    if line.key == "header":
        changes.summary = str(value.get("summary") or "")[:1000]
        changes.description = str(value.get("description") or "")[:9000]
        parent = value.get("parentCommit")
        changes.parent_commit = parent if isinstance(parent, str) else None
    elif line.key == "file":
        validate_path(line.file.path)
        inline[line.file.path] = line.file
        changes.added[line.file.path] = DeclaredFile(line.file.path, line.file.size, line.file.sha256)
    elif line.key == "lfsFile":
        changes.added[value.get("path")] = _lfs_file(value, user)
    elif line.key == "deletedFile":
        changes.deleted_files.add(validate_path(value.get("path")))
    elif line.key == "deletedFolder":
        folder = value.get("path")
        if not isinstance(folder, str) or not folder.strip("/"):
            raise Invalid("invalid_path", "deletedFolder needs the folder's path.")
        changes.deleted_folders.add(folder.strip("/"))
    else:
        raise Invalid("invalid_commit", f"Unknown commit line {line.key!r}.")


def _lfs_file(value, user) -> DeclaredFile:
    path, oid, size = value.get("path"), value.get("oid"), value.get("size")
    validate_path(path)
    if value.get("algo", "sha256") != "sha256" or not isinstance(oid, str):
        raise Invalid("invalid_commit", f"{path}: LFS files are named by their sha256.")
    oid = oid.lower()
    if size is None and oid in possession.readable_shas(user, [oid]):
        size = StoredObject.objects.get(sha256=oid).size
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise Invalid("invalid_commit", f"{path}: give the LFS file's size.")
    return DeclaredFile(path, size, oid)


def store_inline_files(user, inline: dict) -> list[str]:
    """Put the spooled files at their content address, S3 checking each sha256; the keys this call created."""
    created = []
    for spooled in {f.sha256: f for f in inline.values()}.values():
        key = object_key(spooled.sha256)
        if objects.held(spooled.sha256):
            continue
        new = objectstore.object_size(key) is None
        with open(spooled.local, "rb") as body:
            checksum = sha256_base64(spooled.sha256)
            objectstore.put_checked(key, body, spooled.size, checksum, possession.uploader_metadata(user))
        if new:
            created.append(key)
    return created


def forget_unrecorded(keys: list[str]) -> None:
    """Remove objects this commit uploaded that no stored object records: the commit did not happen."""
    digests = {key.rsplit("/", 1)[-1]: key for key in keys}
    recorded = set(StoredObject.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
    for digest, key in digests.items():
        if digest not in recorded:
            objectstore.delete_object(key)
