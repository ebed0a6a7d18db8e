from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.deltas.models import Delta
from hub.evaluation.jobs import request_validation


class Command(BaseCommand):
    help = "Queue a new validation of the newest version of some deltas, e.g. after a suite was added or fixed."

    def add_arguments(self, parser):
        parser.add_argument("repos", nargs="*", help="namespace/name of each delta.")
        parser.add_argument("--task", help="Every live delta of this task instead.")

    def handle(self, *args, repos, task, **options):
        if bool(repos) == bool(task):
            raise CommandError("Name some deltas (namespace/name ...) or pass --task, not both.")
        deltas = _by_task(task) if task else [_by_repo(repo) for repo in repos]
        for delta in deltas:
            version = delta.versions.order_by("-number").first()
            if version is None:
                continue
            with transaction.atomic():
                job = request_validation(version)
            self.stdout.write(f"Queued validation {job.pk} of {version}")


def _by_task(task):
    return Delta.objects.live().filter(task=task).select_related("namespace")


def _by_repo(repo):
    namespace, _, name = repo.partition("/")
    delta = Delta.objects.live().filter(namespace__name__iexact=namespace, name__iexact=name).first()
    if delta is None:
        raise CommandError(f"No live delta {repo!r}.")
    return delta
