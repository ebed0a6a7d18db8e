import pytest

from hub.deltas.models import Delta

pytestmark = pytest.mark.django_db


def test_home_page_lists_public_deltas_but_not_private_ones(client, alice, backbone):
    Delta.objects.create(namespace=alice.namespace, name="open-lora", delta_type="lora", backbone=backbone)
    Delta.objects.create(
        namespace=alice.namespace, name="hidden-lora", delta_type="lora", backbone=backbone, private=True
    )
    response = client.get("/")
    assert response.status_code == 200
    assert "alice/open-lora" in response.content.decode()
    assert "hidden-lora" not in response.content.decode()
