from django.core.management.base import BaseCommand

from hub.deltas.counting import recount


class Command(BaseCommand):
    help = "Count the deltas by facet again (the triggers keep the counts; this repairs writes made without them)."

    def handle(self, **options):
        recount()
        self.stdout.write("Facet counts recounted.")
