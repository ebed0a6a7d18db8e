from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from hub.accounts.namespaces import ensure_user_namespace


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def give_new_user_a_namespace(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        ensure_user_namespace(instance)
