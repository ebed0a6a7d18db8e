from django.core.management.base import BaseCommand

from hub.deltas.models import Backbone
from hub.deltas.shapes import tensor_shapes


class Command(BaseCommand):
    help = "Read and keep the tensor shapes of backbones whose weights were attached before the hub kept them."

    def handle(self, *args, **options):
        pending = Backbone.objects.filter(tensor_shapes__isnull=True, files__path__endswith=".safetensors").distinct()
        done = missing = 0
        for backbone in pending.iterator():
            if tensor_shapes(backbone) is None:
                missing += 1
            else:
                done += 1
        self.stdout.write(f"Kept the shapes of {done} backbones; {missing} had weights the hub could not read.")
