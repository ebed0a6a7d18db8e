from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render

from hub.deltas.models import Delta
from hub.web.forms import SignUpForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return f"/users/{self.request.user.username}"


class LogoutView(auth_views.LogoutView):
    next_page = "/"


def signup(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("web:profile", username=user.username)
    return render(request, "registration/signup.html", {"form": form})


def profile(request, username):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    deltas = (
        Delta.objects.visible_to(request.user)
        .filter(namespace__user=person)
        .select_related("namespace", "backbone")
        .order_by("-updated_at")
    )
    memberships = person.memberships.select_related("organization__namespace").order_by("organization__namespace__name")
    context = {"person": person, "deltas": deltas, "memberships": memberships, "is_me": request.user == person}
    return render(request, "web/profile.html", context)
