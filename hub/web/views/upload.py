from django.shortcuts import redirect, render

from hub.core.errors import DomainError
from hub.core.objectstore import ClientError
from hub.web.backbone_picker import backbone_picker
from hub.web.forms import UploadForm
from hub.web.orgs import writable_namespaces
from hub.web.upload import MAX_BROWSER_FILE_BYTES, upload_from_browser
from hub.web.views.common import login_required


@login_required
def new_delta(request):
    namespaces = writable_namespaces(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, namespaces=namespaces, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = upload_from_browser(
                request.user,
                form.cleaned_data["namespace"],
                form.cleaned_data["name"],
                form.metadata(),
                form.cleaned_data["files"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        except ClientError:
            form.add_error(None, "The file store did not accept the upload; try again in a moment.")
        else:
            delta = outcome.version.delta
            return redirect("web:delta", namespace=delta.namespace.name, name=delta.name)
    picker = backbone_picker(request.user, request.GET.get("backbone_q", ""), _chosen_hash(request, form))
    context = {"form": form, "max_mib": MAX_BROWSER_FILE_BYTES // (1024 * 1024), "picker": picker}
    return render(request, "web/upload.html", context)


def _chosen_hash(request, form):
    """The backbone already picked: the one posted, or the one a backbone page's link names."""
    return (form["backbone"].value() if form.is_bound else request.GET.get("backbone")) or ""
