"""The NDJSON commit reader: inline files of any size are decoded to disk, never held whole in memory."""

import base64
import hashlib
import io
import json

import pytest

from hub.hf.ndjson import MAX_PARSED_LINE_BYTES, CommitBodyError, CommitStream


class TrickleStream(io.BytesIO):
    """Gives at most `step` bytes a read, as a network socket may."""

    def __init__(self, data, step):
        super().__init__(data)
        self.step = step

    def read(self, size=-1):
        return super().read(min(self.step, size if size > 0 else self.step))


def _body(*lines):
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def _file_line(path, data):
    return {"key": "file", "value": {"content": base64.b64encode(data).decode(), "path": path, "encoding": "base64"}}


def _read(body, tmp_path, step=1 << 20, max_file=1 << 30):
    stream = CommitStream(TrickleStream(body, step), tmp_path, max_file, max_file * 4)
    return list(stream), stream


BIG = MAX_PARSED_LINE_BYTES * 2 + 7


@pytest.mark.parametrize(("size", "step"), [(0, 3), (10, 3), (700, 3), (10, 1 << 16), (BIG, 1 << 16), (BIG, 1 << 20)])
def test_inline_files_of_any_size_come_out_whole_with_their_sha256(tmp_path, size, step):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    body = _body({"key": "header", "value": {"summary": "hi"}}, _file_line("adapter_model.safetensors", data),
                 {"key": "deletedFile", "value": {"path": "old.json"}})  # fmt: skip
    lines, _ = _read(body, tmp_path, step)
    assert [line.key for line in lines] == ["header", "file", "deletedFile"]
    spooled = lines[1].file
    assert spooled.path == "adapter_model.safetensors" and spooled.size == size
    assert spooled.sha256 == hashlib.sha256(data).hexdigest()
    assert spooled.local.read_bytes() == data


def test_an_escaped_slash_in_the_base64_is_read_as_a_slash(tmp_path):
    data = b"\xff\xff\xfe" * 1000  # base64 full of "/"
    line = json.dumps(_file_line("a.json", data)).replace("/", "\\/").encode()
    lines, _ = _read(line + b"\n", tmp_path, step=5)
    assert lines[0].file.local.read_bytes() == data


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"key": "file", "value": {"content": "@@@@", "path": "a.json"}}\n', "invalid_content"),
        (b"[1, 2]\n", "invalid_commit"),
        (b'{"key": "header", "value": {"x": NaN}}\n', "invalid_commit"),
        (b'{"key": "file", "value": {"path": "a.json"}}\n', "invalid_commit"),
        (b"{" * 100_000 + b"\n", "invalid_commit"),
    ],
)
def test_a_malformed_body_is_refused_with_a_reason(tmp_path, body, code):
    with pytest.raises(CommitBodyError) as refused:
        _read(body, tmp_path)
    assert refused.value.code == code


def test_a_file_over_the_inline_limit_is_refused_while_it_streams(tmp_path):
    body = _body(_file_line("big.safetensors", b"0" * (MAX_PARSED_LINE_BYTES * 2)))
    with pytest.raises(CommitBodyError) as refused:
        _read(body, tmp_path, max_file=MAX_PARSED_LINE_BYTES)
    assert refused.value.code == "file_too_large"


def test_a_body_cut_inside_a_file_is_refused(tmp_path):
    body = _body(_file_line("big.safetensors", b"0" * (MAX_PARSED_LINE_BYTES * 2)))
    with pytest.raises(CommitBodyError, match="ends inside"):
        _read(body[: len(body) // 2], tmp_path)
