"""A backbone's tensor shapes, which the delta code generator counts parameters from.

The hub keeps them when a backbone's weights are attached. A backbone attached before it did has them read once,
from the safetensors headers of its stored weights (two small range reads per file), and kept; one whose weights
are not on the hub has none, and the generator says its shapes are unknown.
"""

import logging

from botocore.exceptions import BotoCoreError

from deltacenter.safetensors_header import ITEM_SIZES, SafetensorsError
from hub.core import objectstore
from hub.deltas.models import Backbone
from hub.deltas.peft_code import BackboneFacts, DeltaChoice, GeneratedDelta, generate, share
from hub.deltas.verify import read_safetensors_header

log = logging.getLogger(__name__)
# Backbone checkpoints may be large and use any safetensors dtype.
HEADER_BYTES = 100 * 1024 * 1024


def tensor_shapes(backbone: Backbone) -> dict[str, list[int]] | None:
    """The backbone's tensor shapes, read from its stored weights once if they were attached before the hub kept
    them; None when its weights are not on the hub or cannot be read."""
    if backbone.tensor_shapes is None:
        files = list(backbone.files.select_related("object").filter(path__endswith=".safetensors"))
        shapes = _read_shapes(f.object for f in files) if files else None
        if not shapes:
            return None
        backbone.tensor_shapes = shapes
        Backbone.objects.filter(pk=backbone.pk, tensor_shapes__isnull=True).update(tensor_shapes=shapes)
    return backbone.tensor_shapes


def _read_shapes(objects) -> dict[str, list[int]] | None:
    shapes = {}
    for obj in objects:
        try:
            header = read_safetensors_header(obj.key, obj.size, ITEM_SIZES, HEADER_BYTES)
        except (objectstore.ClientError, BotoCoreError, SafetensorsError) as exc:
            log.warning("Cannot read the safetensors header of %s: %s", obj.sha256[:12], exc)
            return None  # a shard missing would make every count wrong
        shapes.update({tensor.name: list(tensor.shape) for tensor in header.tensors})
    return shapes


def facts(backbone: Backbone) -> BackboneFacts:
    """What the code generator needs of `backbone`; its shapes are empty when unknown."""
    saved_as = backbone.config.get("architectures") if isinstance(backbone.config, dict) else None
    model_class = saved_as[0] if isinstance(saved_as, list) and saved_as and isinstance(saved_as[0], str) else ""
    return BackboneFacts(
        name=backbone.name,
        model_class=model_class or backbone.architecture,
        model_type=backbone.model_type,
        config=backbone.config if isinstance(backbone.config, dict) else {},
        tensor_shapes=tensor_shapes(backbone) or {},
    )


def delta_code(backbone: Backbone, choice: DeltaChoice) -> GeneratedDelta:
    """The code that creates `choice` on `backbone`; Invalid (naming the field) when it cannot be written."""
    return generate(facts(backbone), choice)


def code_summary(backbone: Backbone, generated: GeneratedDelta) -> dict:
    """The generated code and its counts, as the API answers and the page shows them."""
    return {
        "code": generated.code,
        "trainable_parameters": generated.trainable_parameters,
        "backbone_parameters": backbone.num_parameters,
        "share": share(generated.trainable_parameters, backbone.num_parameters),
        "modules": list(generated.modules),
    }
