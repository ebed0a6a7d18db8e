"""The stock huggingface_hub client, unmodified, against a live hub: read, upload, errors, privacy."""

import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils._http import close_session

from hub.accounts.tokens import create_token
from hub.deltas.models import Delta, StoredObject
from tests.uploads import lora_files

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_hf_connections():
    """huggingface_hub keeps connections alive; closed, the live server's threads let go of the test database."""
    yield
    close_session()


@pytest.fixture
def hf(live_server, alice, tmp_path):
    _, token = create_token(alice, "hf", ["write"])
    return HfApi(endpoint=live_server.url, token=token)


@pytest.fixture
def bob_hf(live_server, bob):
    _, token = create_token(bob, "hf", ["write"])
    return HfApi(endpoint=live_server.url, token=token)


def _folder(tmp_path, files=None, card=None):
    folder = tmp_path / "upload"
    folder.mkdir(exist_ok=True)
    for name, data in (files or lora_files()).items():
        (folder / name).write_bytes(data)
    if card is not None:
        (folder / "README.md").write_text(card)
    return folder


def test_whoami_names_the_user_and_the_token_role(hf):
    me = hf.whoami()
    assert me["name"] == "alice"
    assert me["auth"]["accessToken"]["role"] == "write"


def test_create_upload_and_read_back_a_repository(hf, tmp_path):
    url = hf.create_repo("alice/tiny")
    assert url.repo_id == "alice/tiny"
    info = hf.upload_folder(repo_id="alice/tiny", folder_path=_folder(tmp_path), commit_message="First")
    assert len(info.oid) == 40

    model = hf.model_info("alice/tiny", files_metadata=True)
    assert model.sha == info.oid
    assert sorted(s.rfilename for s in model.siblings) == ["adapter_config.json", "adapter_model.safetensors"]
    weights = next(s for s in model.siblings if s.rfilename.endswith(".safetensors"))
    assert weights.size == len(lora_files()["adapter_model.safetensors"])
    assert sorted(hf.list_repo_files("alice/tiny")) == ["adapter_config.json", "adapter_model.safetensors"]
    assert hf.repo_exists("alice/tiny") and not hf.repo_exists("alice/nothing")
    assert hf.file_exists("alice/tiny", "adapter_config.json")
    assert not hf.file_exists("alice/tiny", "missing.json")
    assert [c.commit_id for c in hf.list_repo_commits("alice/tiny")] == [info.oid]
    assert hf.list_repo_refs("alice/tiny").branches[0].target_commit == info.oid

    delta = Delta.objects.get(name="tiny")
    assert delta.delta_type == "lora" and delta.versions.count() == 1


def test_snapshot_download_gets_every_file(hf, tmp_path):
    hf.create_repo("alice/snap")
    hf.upload_folder(repo_id="alice/snap", folder_path=_folder(tmp_path))
    local = snapshot_download("alice/snap", endpoint=hf.endpoint, token=hf.token, cache_dir=tmp_path / "cache")
    for name, data in lora_files().items():
        assert Path(local, name).read_bytes() == data


def test_errors_carry_the_codes_huggingface_hub_understands(hf, tmp_path):
    hf.create_repo("alice/errs")
    hf.upload_folder(repo_id="alice/errs", folder_path=_folder(tmp_path))
    with pytest.raises(RepositoryNotFoundError):
        hf.model_info("alice/none")
    with pytest.raises(RevisionNotFoundError):
        hf.model_info("alice/errs", revision="0" * 40)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download("alice/errs", "nope.json", endpoint=hf.endpoint, token=hf.token, cache_dir=tmp_path / "c")


def test_an_existing_repository_answers_409_and_exist_ok_passes(hf):
    hf.create_repo("alice/twice")
    with pytest.raises(HfHubHTTPError) as caught:
        hf.create_repo("alice/twice")
    assert caught.value.response.status_code == 409
    assert hf.create_repo("alice/twice", exist_ok=True).repo_id == "alice/twice"


def test_a_private_repository_is_a_missing_one_to_outsiders(hf, bob_hf, tmp_path, live_server):
    hf.create_repo("alice/secret", private=True)
    hf.upload_folder(repo_id="alice/secret", folder_path=_folder(tmp_path))
    assert hf.model_info("alice/secret").private is True
    for api in (bob_hf, HfApi(endpoint=live_server.url, token=False)):
        with pytest.raises(RepositoryNotFoundError):
            api.model_info("alice/secret")
        assert not api.file_exists("alice/secret", "adapter_config.json")
    assert [m.id for m in bob_hf.list_models(author="alice")] == []
    with pytest.raises(RepositoryNotFoundError):
        bob_hf.upload_file(path_or_fileobj=b"{}", path_in_repo="x.json", repo_id="alice/secret")


def test_a_pickle_through_the_commit_leaves_nothing(hf, tmp_path):
    hf.create_repo("alice/pickled")
    before = StoredObject.objects.count()
    with pytest.raises(HfHubHTTPError) as caught:
        hf.upload_file(path_or_fileobj=b"\x80\x04K\x01.", path_in_repo="training_args.bin", repo_id="alice/pickled")
    assert caught.value.response.status_code == 400
    assert "safetensors" in str(caught.value)
    assert Delta.objects.get(name="pickled").versions.count() == 0
    assert StoredObject.objects.count() == before


def test_an_identical_reupload_creates_no_version(hf, tmp_path):
    hf.create_repo("alice/same")
    first = hf.upload_folder(repo_id="alice/same", folder_path=_folder(tmp_path))
    again = hf.upload_folder(repo_id="alice/same", folder_path=_folder(tmp_path))
    assert again.oid == first.oid
    assert Delta.objects.get(name="same").versions.count() == 1


def test_deleting_a_file_makes_a_version_without_it(hf, tmp_path):
    hf.create_repo("alice/del")
    hf.upload_folder(repo_id="alice/del", folder_path=_folder(tmp_path, card="# Notes\n"))
    hf.delete_file("README.md", repo_id="alice/del")
    assert sorted(hf.list_repo_files("alice/del")) == ["adapter_config.json", "adapter_model.safetensors"]
    assert Delta.objects.get(name="del").versions.count() == 2


def test_visibility_and_deletion(hf, bob_hf, tmp_path):
    hf.create_repo("alice/vis")
    hf.upload_folder(repo_id="alice/vis", folder_path=_folder(tmp_path))
    hf.update_repo_settings("alice/vis", private=True)
    with pytest.raises(RepositoryNotFoundError):
        bob_hf.model_info("alice/vis")
    hf.delete_repo("alice/vis")
    with pytest.raises(RepositoryNotFoundError):
        hf.model_info("alice/vis")


def test_list_models_searches_and_pages(hf, tmp_path):
    for i in range(3):
        hf.create_repo(f"alice/list-{i}")
    names = [m.id for m in hf.list_models(author="alice", limit=10)]
    assert sorted(names) == ["alice/list-0", "alice/list-1", "alice/list-2"]
    assert len(list(hf.list_models(author="alice", limit=2))) == 2
    assert [m.id for m in hf.list_models(search="list-1")] == ["alice/list-1"]
    assert next(m.id for m in hf.list_models(author="alice", sort="created_at")) == "alice/list-2"
    hf.upload_folder(repo_id="alice/list-0", folder_path=_folder(tmp_path, card="---\ndatasets: [imdb]\n---\n"))
    assert [m.id for m in hf.list_models(filter="dataset:imdb")] == ["alice/list-0"]
    assert [m.id for m in hf.list_models(filter="lora", author="alice")] == ["alice/list-0"]


def test_unknown_api_paths_answer_json(live_server):
    import requests

    response = requests.get(f"{live_server.url}/api/no/such/thing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_endpoint"


def test_validate_yaml_answers_json(hf, live_server):
    import requests

    headers = {"authorization": f"Bearer {hf.token}"}
    good = requests.post(f"{live_server.url}/api/validate-yaml", json={"content": "---\nlicense: mit\n---\n"},
                         headers=headers, timeout=10)  # fmt: skip
    assert good.status_code == 200 and good.json() == {"errors": [], "warnings": []}
    bad = requests.post(f"{live_server.url}/api/validate-yaml", json={"content": "---\n: [\n---\n"},
                        headers=headers, timeout=10)  # fmt: skip
    assert bad.status_code == 400 and "metadata" in json.loads(bad.text)["error"]


@pytest.fixture
def small_inline_limit(settings):
    """Files over 1 MiB go through Git LFS; over 6 MiB, through its multipart transfer in 5 MiB parts."""
    settings.DELTACENTER_HF_INLINE_MAX_BYTES = 1024**2
    settings.DELTACENTER_MULTIPART_THRESHOLD = 6 * 1024**2
    settings.DELTACENTER_MULTIPART_PART_BYTES = 5 * 1024**2


def _big_weights(megabytes):
    from tests.uploads import safetensors_bytes

    values = [float(i % 251) for i in range(megabytes * 1024**2 // 4)]
    return safetensors_bytes({"lora_A.weight": values[: len(values) // 2], "lora_B.weight": values[len(values) // 2 :]})


@pytest.mark.parametrize("megabytes", [2, 13])
def test_large_files_go_through_git_lfs_when_xet_is_off(
    hf, tmp_path, small_inline_limit, monkeypatch, megabytes, celery_worker
):
    """The worker finalizes the commit (reads the LFS objects back and hashes them) while the commit waits."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    files = {**lora_files(), "adapter_model.safetensors": _big_weights(megabytes)}
    hf.create_repo("alice/big")
    info = hf.upload_folder(repo_id="alice/big", folder_path=_folder(tmp_path, files))
    assert hf.model_info("alice/big").sha == info.oid
    local = hf_hub_download("alice/big", "adapter_model.safetensors", endpoint=hf.endpoint, token=hf.token,
                            cache_dir=tmp_path / "cache")  # fmt: skip
    assert Path(local).read_bytes() == files["adapter_model.safetensors"]


def test_with_xet_installed_a_large_file_fails_with_what_to_do(hf, tmp_path, small_inline_limit):
    from huggingface_hub.utils._runtime import is_xet_available

    assert is_xet_available()
    hf.create_repo("alice/xet")
    files = {**lora_files(), "adapter_model.safetensors": _big_weights(2)}
    with pytest.raises(Exception) as caught:
        hf.upload_folder(repo_id="alice/xet", folder_path=_folder(tmp_path, files))
    assert "HF_HUB_DISABLE_XET=1" in str(caught.value), str(caught.value)
    assert Delta.objects.get(name="xet").versions.count() == 0
