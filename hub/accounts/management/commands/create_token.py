from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.accounts.namespaces import ensure_user_namespace
from hub.accounts.tokens import create_token


class Command(BaseCommand):
    help = "Create USERNAME if needed and print a new API token for it (the token is the last line)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--write", action="store_true", help="Allow the token to push and delete.")
        parser.add_argument("--admin", action="store_true", help="Make the user a site admin and moderator.")
        parser.add_argument("--name", default="cli", help="A label for the token.")

    @transaction.atomic
    def handle(self, username, write, admin, name, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
            self.stdout.write(f"Created user {username}.")
        if admin and not user.is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        if ensure_user_namespace(user) is None:
            raise CommandError(
                f"{username!r} cannot be used as a namespace (letters, digits, '.', '_' and '-'; not reserved)."
            )
        scopes = ["admin"] if admin else ["write"] if write else ["read"]
        token, secret = create_token(user, name, scopes)
        self.stdout.write(f"Token {token.prefix}… for {username}, scopes: {', '.join(token.scopes)}")
        self.stdout.write(secret)
