import pytest

from hub.deltas.models import Backbone
from workers.tasks import ping


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_against_the_test_database(celery_worker):
    Backbone.objects.create(content_hash="3" * 64, structure_hash="4" * 64, name="tiny")
    result = ping.delay().get(timeout=60)
    assert result["backbones"] == 1
