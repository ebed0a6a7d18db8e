import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the site admin if missing, with a generated password kept in var/admin-credentials.txt."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--credentials-file", default=str(settings.BASE_DIR / "var" / "admin-credentials.txt"))

    def handle(self, username, credentials_file, **options):
        path = Path(credentials_file)
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user {username!r} exists; its password is in {path} if it was generated here.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"username: {username}\npassword: {password}\n")
        os.chmod(path, 0o600)
        self.stdout.write(f"Created admin user {username!r}; password written to {path}.")
