"""Forms for the pages; they only parse input; the service functions decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from hub.accounts.models import ApiToken, Membership, Namespace
from hub.accounts.names import validate_namespace_name
from hub.core.errors import NotFound
from hub.deltas.models import Delta
from hub.deltas.services import get_backbone
from hub.evaluation.review import ACTIONS


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        # The username becomes the user's namespace, so it must be a free, valid namespace name too.
        username = super().clean_username()
        validate_namespace_name(username)
        if Namespace.objects.filter(name__iexact=username).exists():
            raise forms.ValidationError(f"The name {username!r} is already taken.", code="name_taken")
        return username


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where you will use it, e.g. “laptop” or “CI”.")
    scopes = forms.ChoiceField(
        label="Access",
        choices=[
            (ApiToken.Scope.READ, "Read: download and list deltas, your private ones included"),
            (ApiToken.Scope.WRITE, "Write: also push deltas and backbones, like and bind"),
        ],
        widget=forms.RadioSelect,
        help_text="Pushing, with the deltacenter client or the Hugging Face clients, needs write.",
    )

    def __init__(self, *args, first_token: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A first token is almost always made to push from training code; later ones often only read (CI, serving).
        self.fields["scopes"].initial = ApiToken.Scope.WRITE if first_token else ApiToken.Scope.READ


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=96, help_text="Letters, digits, '.', '_' and '-'; used in URLs.")
    display_name = forms.CharField(max_length=200, required=False)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.WRITE)


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a.capitalize()) for a in ACTIONS])
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        if not cleaned:
            raise forms.ValidationError("Choose at least one file.")
        return cleaned


VISIBILITY = [("", "Keep as it is (public for a new delta)"), ("public", "Public"), ("private", "Private")]


class UploadForm(forms.Form):
    namespace = forms.ChoiceField(help_text="You, or an organisation where you can write.")
    name = forms.CharField(max_length=96, help_text="An existing name adds a new version to that delta.")
    delta_type = forms.ChoiceField(choices=Delta.DeltaType.choices)
    backbone = forms.CharField(
        max_length=64,
        error_messages={"required": "Choose a backbone: search for it, then pick one of the results."},
        help_text="Search by name, architecture or content hash, then pick one. Register backbones with the client:"
        " deltacenter push registers the one you trained on.",
    )
    files = MultipleFileField(help_text="Safetensors weights and JSON configs; no pickles.")
    task = forms.CharField(max_length=100, required=False)
    train_datasets = forms.CharField(required=False, help_text="Comma-separated.")
    test_datasets = forms.CharField(required=False, help_text="Comma-separated.")
    tags = forms.CharField(required=False, help_text="Comma-separated.")
    license = forms.CharField(max_length=64, required=False)
    visibility = forms.ChoiceField(choices=VISIBILITY, required=False)
    card = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown.")
    commit_message = forms.CharField(required=False, max_length=10_000)

    def __init__(self, *args, namespaces=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["namespace"].choices = [(n, n) for n in namespaces]
        self.user = user

    def clean_backbone(self):
        try:
            return get_backbone(self.user, self.cleaned_data["backbone"].strip())
        except NotFound:
            raise forms.ValidationError("No backbone you can see has this hash: search again and pick one.") from None

    def metadata(self):
        """The commit payload's descriptive fields; blanks mean “leave unchanged”."""
        data = self.cleaned_data
        payload = {"backbone": data["backbone"].content_hash, "delta_type": data["delta_type"]}
        for name in ("task", "license", "card", "commit_message"):
            if data.get(name):
                payload[name] = data[name]
        for name in ("train_datasets", "test_datasets", "tags"):
            items = [item.strip() for item in data.get(name, "").split(",") if item.strip()]
            if items:
                payload[name] = items
        if data.get("visibility"):
            payload["private"] = data["visibility"] == "private"
        return payload


class CardForm(forms.Form):
    card = forms.CharField(
        label="Model card (README.md)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text="Markdown, with optional YAML front matter. Saving commits a new version.",
    )
    message = forms.CharField(label="Commit message", max_length=200, required=False)
    parent_commit = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label="Tags", max_length=4000, required=False, help_text="Separated by commas, e.g. english, sentiment."
    )

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label="Who can see it",
        choices=[("public", "Public: anyone"), ("private", "Private: members of its namespace only")],
        widget=forms.RadioSelect,
    )


class DeleteDeltaForm(forms.Form):
    confirm = forms.CharField(label="Type the delta's full name to confirm", max_length=200)

    def __init__(self, *args, full_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.full_name = full_name

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip().lower() != self.full_name.lower():
            raise forms.ValidationError(f"Type {self.full_name} to confirm.")
        return self.cleaned_data["confirm"]
