"""Moderators review leaderboard entries; they are the members of one group, or site admins."""

from django.contrib.auth.models import Group, Permission

MODERATORS_GROUP = "moderators"
_MODERATOR_PERMISSIONS = [
    ("evaluation", "view_validationjob"),
    ("evaluation", "view_evalsuite"),
    ("evaluation", "add_evalsuite"),
    ("evaluation", "change_evalsuite"),
    ("evaluation", "view_evalresult"),
    ("evaluation", "view_leaderboardentry"),
    ("evaluation", "change_leaderboardentry"),
    ("evaluation", "view_reviewevent"),
    ("deltas", "view_delta"),
    ("deltas", "view_deltaversion"),
    ("deltas", "view_backbone"),
]


def is_moderator(user):
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=MODERATORS_GROUP).exists()


def ensure_moderators_group(**kwargs):
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    for app_label, codename in _MODERATOR_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)
    return group
