"""Routes of the Hugging Face Hub protocol: `api_patterns` under /api/, `repo_patterns` at the site's root."""

from django.urls import path, re_path

from hub.hf import lfs, resolve, views, writes

MODEL = "models/<str:namespace>/<str:name>"

api_patterns = [
    path("whoami-v2", views.WhoAmIView.as_view(), name="hf-whoami"),
    path("models", views.ModelListView.as_view(), name="hf-models"),
    path(MODEL, views.ModelInfoView.as_view(), name="hf-model"),
    path(f"{MODEL}/revision/<str:revision>", views.ModelInfoView.as_view(), name="hf-model-revision"),
    path(f"{MODEL}/tree/<str:revision>", views.TreeView.as_view(), name="hf-tree"),
    path(f"{MODEL}/tree/<str:revision>/<path:path>", views.TreeAtPathView.as_view(), name="hf-tree-path"),
    path(f"{MODEL}/refs", views.RefsView.as_view(), name="hf-refs"),
    path(f"{MODEL}/commits/<str:revision>", views.CommitsView.as_view(), name="hf-commits"),
    path(f"{MODEL}/preupload/<str:revision>", writes.PreuploadView.as_view(), name="hf-preupload"),
    path(f"{MODEL}/commit/<str:revision>", writes.CommitView.as_view(), name="hf-commit"),
    path(f"{MODEL}/settings", writes.RepoSettingsView.as_view(), name="hf-settings"),
    path(f"{MODEL}/xet-write-token/<str:revision>", writes.XetTokenView.as_view(), name="hf-xet-write"),
    path(f"{MODEL}/xet-read-token/<str:revision>", writes.XetTokenView.as_view(), name="hf-xet-read"),
    path(writes.XET_HINT_PATH.removeprefix("/api/"), writes.XetHintView.as_view(), name="hf-xet-hint"),
    path("repos/create", writes.CreateRepoView.as_view(), name="hf-create-repo"),
    path("repos/delete", writes.DeleteRepoView.as_view(), name="hf-delete-repo"),
    path("validate-yaml", writes.ValidateYamlView.as_view(), name="hf-validate-yaml"),
]

LFS = r"^(?P<namespace>[^/]+)/(?P<name>[^/]+)\.git/info/lfs"
repo_patterns = [
    path(
        "<str:namespace>/<str:name>/resolve/<str:revision>/<path:path>", resolve.ResolveView.as_view(), name="resolve"
    ),
    re_path(rf"{LFS}/objects/batch$", lfs.BatchView.as_view(), name="lfs-batch"),
    re_path(rf"{LFS}/verify$", lfs.VerifyView.as_view(), name="lfs-verify"),
    re_path(rf"{LFS}/complete$", lfs.CompleteView.as_view(), name="lfs-complete"),
]
