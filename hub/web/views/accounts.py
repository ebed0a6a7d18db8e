from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

from hub.deltas.models import Delta
from hub.web.forms import SignUpForm

LOGIN_RATE = "30/m"
SIGNUP_RATE = "10/h"


@method_decorator(ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return f"/users/{self.request.user.username}"


class LogoutView(auth_views.LogoutView):
    next_page = "/"


def locked_out(request, credentials, *args, **kwargs):
    """After too many wrong passwords for this account from this address: 429, and how long to wait."""
    minutes = settings.DELTACENTER_LOGIN_COOLOFF_MINUTES
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@ratelimit(key="ip", rate=SIGNUP_RATE, method="POST", block=True)
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
