import secrets
import warnings

import pytest
from rest_framework.test import APIClient

from hub.accounts.tokens import create_token
from hub.deltas.models import Backbone


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each test counts rate limits, lockouts and cached reports from zero: cache keys under a prefix of its own."""
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"{caches['default']['KEY_PREFIX']}-{secrets.token_hex(4)}"
    settings.CACHES = caches


# The session's Celery worker, once a test has started it (see celery_worker).
_WORKER = {"hostname": None}


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request):
    """A transactional test's tables are emptied after it, while the session's worker may still be handling the jobs
    the test queued: a TRUNCATE racing the worker's writes deadlocks. Wait (bounded) until the worker is idle."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction"))
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so torn down (flushed) after it
    yield
    if _WORKER["hostname"]:
        _wait_until_idle(_WORKER["hostname"])


def _wait_until_idle(hostname, timeout=15.0):
    import time

    from django.conf import settings

    from hub.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(destination=[hostname], timeout=1.0)
        answers = [inspect.active(), inspect.reserved()]
        # A solo-pool worker answers only between tasks: no answer means it is running one.
        answered = all(answer is not None and hostname in answer for answer in answers)
        busy = [task for answer in answers if answer for task in answer.get(hostname, [])]
        waiting = _messages_waiting(app, settings.CELERY_TASK_DEFAULT_QUEUE)
        if answered and not busy and not waiting:
            return
        time.sleep(0.1)
    names = sorted(task.get("name", "?") for task in busy) if answered else "(it did not answer)"
    warnings.warn(
        f"the worker {hostname} was still busy after {timeout:g} s: tasks {names}, {waiting} message(s) waiting;"
        " the next test may see their effects",
        stacklevel=2,
    )


def _messages_waiting(app, queue):
    from amqp.exceptions import ChannelError

    with app.connection_for_read() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # the broker holds no such queue: nothing was ever left waiting in it
            return 0


def _user(django_user_model, username):
    return django_user_model.objects.create_user(username=username, password="correct horse battery")


@pytest.fixture
def alice(django_user_model):
    return _user(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model):
    return _user(django_user_model, "bob")


@pytest.fixture
def carol(django_user_model):
    return _user(django_user_model, "carol")


@pytest.fixture
def backbone():
    return Backbone.objects.create(
        content_hash="1" * 64,
        structure_hash="2" * 64,
        name="tiny-bert",
        architecture="BertModel",
        model_type="bert",
        num_parameters=1000,
    )


@pytest.fixture
def hub_env(live_server, alice, tmp_path, monkeypatch):
    """The deltacenter client pointed at the live test server with a write token of alice's."""
    _, secret = create_token(alice, "client", ["write"])
    monkeypatch.setenv("DELTACENTER_ENDPOINT", live_server.url)
    monkeypatch.setenv("DELTACENTER_TOKEN", secret)
    monkeypatch.setenv("DELTACENTER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DELTACENTER_HOME", str(tmp_path / "home"))
    return live_server.url


@pytest.fixture
def suite():
    """A small Rotten Tomatoes sentiment suite, its split stored in S3."""
    from hub.evaluation.catalogue import REGISTRY
    from hub.evaluation.suites import install
    from tests.validation_helpers import SUITE_SIZE

    return install(REGISTRY["rotten-tomatoes-sentiment"], size=SUITE_SIZE)[0]


@pytest.fixture
def backbone_hash(hub_env):
    """The tiny backbone, registered with its weights, so workers can load it."""
    from deltacenter.push import push_backbone
    from tests.models import tiny_bert

    return push_backbone(tiny_bert(seed=0), "tiny-bert")


@pytest.fixture
def moderator(carol):
    from django.contrib.auth.models import Group

    from hub.evaluation.moderators import MODERATORS_GROUP

    carol.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return carol


def api_client_for(user, scopes=("write",)):
    client = APIClient()
    if user is not None:
        _, secret = create_token(user, "test", scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _test_database_url():
    from urllib.parse import quote

    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process on the test database and the test queue; yields its name."""
    import os
    import secrets
    import subprocess
    import sys
    import time

    from django.conf import settings

    from hub.celery import app

    hostname = f"test-{secrets.token_hex(3)}@localhost"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers",
        "worker",
        "--pool",
        "solo",
        "--hostname",
        hostname,
        "--queues",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--without-mingle",
        "--without-gossip",
        "--loglevel",
        "INFO",
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The test worker did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
        _WORKER["hostname"] = hostname
        yield hostname
    finally:
        _WORKER["hostname"] = None
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
