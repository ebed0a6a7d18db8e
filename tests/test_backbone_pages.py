"""Finding backbones (the search API, the index page, the upload form's picker, the delta search) and the
backbone page's code generator, against the real database, object store and live server."""

import pytest
from django.db import connection

from hub.deltas.models import Backbone, Delta
from hub.deltas.peft_code import DeltaChoice, generate
from hub.deltas.shapes import facts
from tests.factories import make_delta, store_backbone_weights
from tests.models import trainable_count_of
from tests.uploads import lora_files, upload_form

pytestmark = pytest.mark.django_db


def register(name, digit, user=None, **fields):
    return Backbone.objects.create(
        content_hash=digit * 64, structure_hash="2" * 64, name=name, registered_by=user, **fields
    )


@pytest.fixture
def catalogue(alice, bob):
    return {
        "minilm": register("sentence-transformers/all-MiniLM-L6-v2", "a", alice, architecture="BertModel"),
        "gpt2": register("gpt2", "b", bob, architecture="GPT2LMHeadModel", aliases=["openai-community/gpt2"]),
        "gpt2-copy": register("gpt2", "c", alice, architecture="GPT2LMHeadModel", name_is_shared=True),
        "llama": register("meta/llama-tiny", "d", bob, architecture="LlamaForCausalLM"),
    }


def found(client, query, **params):
    response = client.get("/api/backbones/search", {"q": query, **params})
    assert response.status_code == 200, response.content
    return [row["content_hash"][0] for row in response.json()["results"]]


def test_the_search_finds_backbones_by_name_basename_architecture_alias_and_hash(client, catalogue):
    assert found(client, "sentence-trans") == ["a"]
    assert found(client, "all-minilm") == ["a"]  # the part after the last "/"
    assert sorted(found(client, "gpt2lmhead")) == ["b", "c"]
    assert found(client, "openai-community/gpt2") == ["b"]
    assert found(client, "dddd") == ["d"]  # the start of a content hash
    assert found(client, "d" * 64) == ["d"]
    assert found(client, "nothing-like-it") == []


def test_same_named_backbones_come_with_what_tells_them_apart(client, alice, catalogue):
    make_delta(alice.namespace, "on-copy", catalogue["gpt2-copy"])
    rows = client.get("/api/backbones/search", {"q": "gpt2"}).json()["results"]
    by_hash = {row["content_hash"][0]: row for row in rows}
    assert by_hash["b"]["registered_by"] == "bob" and by_hash["c"]["registered_by"] == "alice"
    assert by_hash["c"]["delta_count"] == 1 and by_hash["b"]["delta_count"] == 0
    assert by_hash["c"]["label"] == f"gpt2 · {'c' * 12}"


def test_the_search_is_bounded_and_names_a_bad_field(client, catalogue):
    assert len(found(client, "g", limit=1)) == 1
    response = client.get("/api/backbones/search", {"q": "g", "limit": 500})
    assert response.status_code == 400 and response.json()["error"]["field"] == "limit"


def test_a_backbone_only_private_deltas_use_stays_hidden_from_outsiders(client, alice, bob, catalogue):
    make_delta(alice.namespace, "secret", catalogue["llama"], private=True)
    assert found(client, "meta/") == []
    assert "llama-tiny" not in client.get("/backbones/").content.decode()
    assert client.get(f"/backbones/{'d' * 64}").status_code == 404
    client.force_login(bob)
    assert found(client, "meta/") == ["d"]  # its registrant still sees it
    client.force_login(alice)
    assert found(client, "meta/") == ["d"]
    assert "llama-tiny" in client.get("/backbones/").content.decode()


def test_each_search_condition_is_answered_by_an_index(catalogue):
    from hub.deltas.backbone_search import _matches

    query = Backbone.objects.filter(_matches("dddd")).values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("backbone_name_prefix_idx", "backbone_basename_prefix_idx", "backbone_arch_prefix_idx"):
        assert index in plan, plan
    assert "backbone_hash_prefix_idx" in plan and "backbone_aliases_gin" in plan, plan


# The index page


def test_the_index_lists_searches_and_pages_through_backbones(client, settings, catalogue):
    page = client.get("/backbones/")
    assert page.status_code == 200
    assert [b.content_hash[0] for b in page.context["backbones"]] == ["d", "c", "b", "a"]
    searched = client.get("/backbones/", {"q": "gpt2"}).content.decode()
    assert "cccccccccccc" in searched and "all-MiniLM" not in searched


def test_the_index_pages_by_key(client, monkeypatch, catalogue):
    from hub.web.views import backbones

    monkeypatch.setattr(backbones, "PAGE_SIZE", 2)
    first = client.get("/backbones/")
    assert [b.name for b in first.context["backbones"]] == ["meta/llama-tiny", "gpt2"]
    older = first.context["older"]
    second = client.get("/backbones/", {"before": older})
    assert [b.content_hash[0] for b in second.context["backbones"]] == ["b", "a"]
    assert second.context["older"] is None
    assert client.get("/backbones/", {"before": "x"}).status_code == 400
    assert client.get("/backbones/", {"before": "9" * 30}).status_code == 200


def test_the_nav_links_to_the_backbones(client):
    assert 'href="/backbones/"' in client.get("/").content.decode()


# The upload form's picker


def test_the_upload_form_renders_no_backbone_list_until_asked(client, alice, catalogue):
    client.force_login(alice)
    page = client.get("/new").content.decode()
    assert 'name="backbone"' not in page and 'id="backbone-q"' in page
    searched = client.get("/new", {"backbone_q": "gpt2"}).content.decode()
    assert searched.count('name="backbone"') == 2
    assert "registered by bob" in searched and "registered by alice" in searched


def test_a_backbone_page_link_preselects_it(client, alice, catalogue):
    client.force_login(alice)
    page = client.get("/new", {"backbone": "a" * 64}).content.decode()
    assert f'value="{"a" * 64}" checked' in page


def test_the_upload_form_refuses_a_backbone_its_user_cannot_see(client, alice, bob, catalogue):

    make_delta(bob.namespace, "secret", catalogue["llama"], private=True)
    client.force_login(alice)
    response = client.post("/new", upload_form(catalogue["llama"], lora_files()))
    assert response.status_code == 200 and "backbone" in response.context["form"].errors
    assert not Delta.objects.filter(name="web-lora").exists()


# The delta search


def test_a_delta_search_finds_deltas_by_their_backbone_name_or_hash(client, alice, catalogue):
    make_delta(alice.namespace, "minilm-sst2", catalogue["minilm"])
    make_delta(alice.namespace, "other", catalogue["llama"])

    def names(query):
        return [row["name"] for row in client.get("/api/deltas", {"q": query}).json()["results"]]

    assert names("aaaaaaa") == ["minilm-sst2"]  # a hash prefix of seven characters
    assert names("a" * 64) == ["minilm-sst2"]
    assert names("sentence-transformers/all-MiniLM-L6-v2") == ["minilm-sst2"]
    assert names("meta/llama-tiny") == ["other"]
    assert names("dddd") == []  # too short to stand for a hash
    assert "minilm-sst2" in client.get("/", {"q": "aaaaaaaa"}).content.decode()


# The code generator


def _store_zero_weights(backbone, shapes):
    """Zero weights of the given shapes, stored as the backbone's checkpoint."""
    import torch

    store_backbone_weights(backbone, {name: torch.zeros(shape) for name, shape in shapes.items()})


def test_the_shapes_of_an_older_backbone_are_read_once_from_its_stored_header(client, backbone):
    _store_zero_weights(backbone, {"encoder.q.weight": (3, 2), "encoder.q.bias": (3,)})
    assert backbone.tensor_shapes is None
    response = client.get(f"/api/backbones/{backbone.content_hash}/code", {"delta_type": "lora", "target": "encoder"})
    assert response.status_code == 200, response.content
    assert response.json()["trainable_parameters"] == 8 * (3 + 2)
    backbone.refresh_from_db()
    assert backbone.tensor_shapes == {"encoder.q.weight": [3, 2], "encoder.q.bias": [3]}


def test_without_weights_the_generator_says_the_shapes_are_unknown(client, backbone):
    page = client.get(f"/backbones/{backbone.content_hash}").content.decode()
    assert "tensor shapes are unknown" in page
    response = client.get(f"/api/backbones/{backbone.content_hash}/code", {"delta_type": "lora"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "shapes_unknown"


def test_the_code_endpoint_names_bad_fields_and_hides_private_backbones(client, alice, backbone):
    _store_zero_weights(backbone, {"encoder.q.weight": (3, 2)})
    url = f"/api/backbones/{backbone.content_hash}/code"
    assert client.get(url, {"delta_type": "adapterdrop"}).json()["error"]["field"] == "delta_type"
    assert client.get(url, {"delta_type": "lora", "r": "0"}).json()["error"]["field"] == "r"
    assert client.get(url, {"delta_type": "lora", "target": "decoder"}).json()["error"]["field"] == "targets"
    make_delta(alice.namespace, "private-one", backbone, private=True)
    assert client.get(url, {"delta_type": "lora"}).status_code == 404


def test_the_page_writes_the_code_without_javascript(client, backbone):
    layers = {f"encoder.layer.{i}.attention.self.{p}.weight": (4, 4) for i in range(2) for p in "qv"}
    _store_zero_weights(backbone, layers)
    page = client.get(f"/backbones/{backbone.content_hash}").content.decode()
    assert 'value="encoder.layer.0–1.attention.self.q"' in page  # the folded layers, one checkbox
    query = {"delta_type": "lora", "r": "2", "alpha": "4", "target": "encoder.layer.0–1.attention.self.q"}
    response = client.get(f"/backbones/{backbone.content_hash}", query)
    result = response.context["generator"].result
    assert result["trainable_parameters"] == 2 * 2 * (4 + 4)
    assert "target_modules=['q']" in response.content.decode().replace("&#x27;", "'")
    unfolded = client.get(f"/backbones/{backbone.content_hash}", {"unfold": "1"}).content.decode()
    assert 'value="encoder.layer.1.attention.self.q"' in unfolded  # each layer on its own, to pick some
    one_layer = {**query, "target": "encoder.layer.1.attention.self.q", "unfold": "1"}
    result = client.get(f"/backbones/{backbone.content_hash}", one_layer).context["generator"].result
    assert result["trainable_parameters"] == 2 * (4 + 4)


def test_a_backbone_pushed_by_the_client_gets_code_that_trains_the_count_it_reports(client, hub_env, tmp_path):
    from deltacenter.push import push_backbone
    from tests.models import tiny_bert

    model = tiny_bert(head=False)
    model.save_pretrained(str(tmp_path / "tiny"))
    content_hash = push_backbone(str(tmp_path / "tiny"), "org/tiny")
    backbone = Backbone.objects.get(content_hash=content_hash)
    assert backbone.tensor_shapes["encoder.layer.0.attention.self.query.weight"] == [32, 32]
    url = f"/api/backbones/{content_hash}/code"
    choices = [
        {"delta_type": "lora", "target": ["encoder.layer.0–1.attention.self.query"], "r": 4},
        {"delta_type": "ia3", "target": ["encoder"], "frozen": ["encoder.layer.1.attention"]},
        {"delta_type": "prefix", "num_virtual_tokens": 5},
        {"delta_type": "bitfit", "target": ["encoder.layer.0"]},
    ]
    for choice in choices:
        answer = client.get(url, choice).json()
        assert answer["trainable_parameters"] == trainable_count_of(answer["code"], tmp_path / "tiny"), choice
        assert answer["backbone_parameters"] == backbone.num_parameters
    pure = generate(facts(backbone), DeltaChoice("lora", targets=("encoder",)))
    assert client.get(url, {"delta_type": "lora", "target": "encoder"}).json()["code"] == pure.code
