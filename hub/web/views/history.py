"""A delta's files and history: one file's contents, the list of versions, and what one version changed."""

from django.http import Http404
from django.shortcuts import render

from hub.core.errors import DomainError, NotFound
from hub.deltas import file_view, history, services
from hub.deltas.owner_edits import may_edit
from hub.web.details import latest_job, results_of
from hub.web.views.common import visible_delta_or_404


def file_page(request, namespace, name, revision, path):
    delta = visible_delta_or_404(request.user, namespace, name)
    try:
        version = services.resolve_version(delta, revision)
    except NotFound:
        raise Http404("No such revision.") from None
    entry = next((f for f in version.files.all() if f.path == path), None)
    if entry is None:
        raise Http404("No such file in this revision.")
    context = {
        "delta": delta,
        "version": version,
        "file": entry,
        "preview": file_view.preview(entry.path, entry.object),
        "preview_limit": file_view.PREVIEW_BYTES,
        "max_tensor_rows": file_view.MAX_TENSOR_ROWS,
    }
    return render(request, "web/file.html", context)


def versions_page(request, namespace, name):
    delta = visible_delta_or_404(request.user, namespace, name)
    try:
        page = history.version_page(delta, request.GET.get("before"))
    except DomainError as exc:
        return render(request, "web/versions.html", {"delta": delta, "error": exc.message}, status=400)
    context = {"delta": delta, "page": page, "can_edit": may_edit(request.user, delta)}
    return render(request, "web/versions.html", context)


def version_detail(request, namespace, name, commit_id):
    delta = visible_delta_or_404(request.user, namespace, name)
    try:
        version = services.resolve_version(delta, commit_id)
    except NotFound:
        raise Http404("No such commit.") from None
    parent = history.previous_version(version)
    context = {
        "delta": delta,
        "version": version,
        "parent": parent,
        "diff": history.file_diff(version, parent),
        "job": latest_job(version),
        "results": results_of(version),
    }
    return render(request, "web/version.html", context)
