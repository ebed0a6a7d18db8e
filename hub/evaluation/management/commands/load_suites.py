from django.core.management.base import BaseCommand, CommandError

from hub.evaluation.catalogue import REGISTRY
from hub.evaluation.suites import install


class Command(BaseCommand):
    help = "Build the registered evaluation suites and store their datasets in the bucket."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help=f"Suites to load (default: all of {', '.join(REGISTRY)}).")
        parser.add_argument("--size", type=int, help="Examples per suite (default: each suite's own size).")

    def handle(self, *args, names, size, **options):
        unknown = [n for n in names if n not in REGISTRY]
        if unknown:
            raise CommandError(f"Unknown suites {unknown}; registered: {', '.join(REGISTRY)}.")
        for name in names or REGISTRY:
            suite, created = install(REGISTRY[name], size)
            verb = "Created" if created else "Updated"
            self.stdout.write(f"{verb} {suite} ({suite.split['size']} examples, dataset {suite.dataset_sha256[:12]}…)")
