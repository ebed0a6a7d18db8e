"""Read a commit's NDJSON body as it streams in, files spooled to disk: never a whole file in memory.

Each line is a JSON object {"key": ..., "value": {...}}. A "file" line carries its content inline, base64 in a
JSON string, and can be hundreds of megabytes long; its content is decoded chunk by chunk into a temporary file
while its sha256 is computed, and only the rest of the line is parsed as JSON.
"""

import base64
import binascii
import hashlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.core.json_input import JsonInputError, strict_loads

READ_BYTES = 1024 * 1024
# A line longer than this is a file line whose content is streamed; any other line must fit.
MAX_PARSED_LINE_BYTES = 1024 * 1024
_CONTENT_KEY = re.compile(rb'"content"\s*:\s*"')


class CommitBodyError(ValueError):
    """The body is not a commit this hub accepts; the message says what to fix."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class SpooledFile:
    """A file whose content came inline, decoded to `local` on disk."""

    path: str
    size: int
    sha256: str
    local: Path


@dataclass
class Line:
    key: str
    value: dict
    file: SpooledFile | None = None


class _Decoder:
    """base64 text to a spool file, in chunks, counting and hashing the bytes."""

    def __init__(self, directory: Path, max_bytes: int):
        handle = tempfile.NamedTemporaryFile(dir=directory, prefix="inline-", delete=False)  # noqa: SIM115
        self.handle, self.local = handle, Path(handle.name)
        self.max_bytes, self.size, self.digest, self.pending = max_bytes, 0, hashlib.sha256(), b""

    def feed(self, text: bytes) -> None:
        text = self.pending + text
        # JSON may escape "/" as "\/": a backslash at the end waits for the character that follows it.
        hold = 1 if text.endswith(b"\\") else 0
        body = text[: len(text) - hold].replace(b"\\/", b"/")
        usable = len(body) - len(body) % 4
        self.pending = body[usable:] + text[len(text) - hold :]
        self._write(body[:usable])

    def finish(self) -> tuple[int, str]:
        self._write(self.pending)
        self.handle.close()
        return self.size, self.digest.hexdigest()

    def _write(self, text: bytes) -> None:
        if not text:
            return
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise CommitBodyError("invalid_content", "A file's content is not valid base64.") from None
        self.size += len(data)
        if self.size > self.max_bytes:
            raise CommitBodyError(
                "file_too_large",
                f"A file sent inline is over {self.max_bytes} bytes; larger files go through the LFS upload.",
            )
        self.digest.update(data)
        self.handle.write(data)


class CommitStream:
    """Iterate over a commit body's lines; `spooled` lists every file written, for the caller to remove."""

    def __init__(self, stream, directory: Path, max_file_bytes: int, max_total_bytes: int):
        self.stream, self.directory = stream, Path(directory)
        self.max_file_bytes, self.max_total_bytes = max_file_bytes, max_total_bytes
        self.buffer, self.finished, self.inline_bytes = b"", False, 0
        self.spooled: list[Path] = []

    def __iter__(self) -> Iterator[Line]:
        while (line := self._next_line()) is not None:
            yield line

    def _fill(self) -> bool:
        if self.finished:
            return False
        chunk = self.stream.read(READ_BYTES)
        if not chunk:
            self.finished = True
            return False
        self.buffer += chunk
        return True

    def _next_line(self) -> Line | None:
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                raw, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
                if raw.strip():
                    return self._small_or_inline(raw)
                continue
            if len(self.buffer) > MAX_PARSED_LINE_BYTES:
                return self._streamed_file_line()
            if not self._fill():
                raw, self.buffer = self.buffer, b""
                return self._small_or_inline(raw) if raw.strip() else None

    def _small_or_inline(self, line: bytes):
        if len(line) > MAX_PARSED_LINE_BYTES:
            self.buffer = line + b"\n" + self.buffer
            return self._streamed_file_line()
        parsed = line_from(line)
        if parsed.key == "file":
            content = parsed.value.pop("content", None)
            if not isinstance(content, str):
                raise CommitBodyError("invalid_commit", "A file line needs its content as a base64 string.")
            parsed.file = self._decode(parsed, [content.encode("ascii", "replace")])
        return parsed

    def _streamed_file_line(self) -> Line:
        """A line too long to parse whole: stream the content string, parse what surrounds it."""
        match = _CONTENT_KEY.search(self.buffer, 0, 64 * 1024)
        if match is None:
            raise CommitBodyError("invalid_commit", f"A commit line is over {MAX_PARSED_LINE_BYTES} bytes.")
        prefix, self.buffer = self.buffer[: match.end()], self.buffer[match.end() :]
        decoder = _Decoder(self.directory, self.max_file_bytes)
        self.spooled.append(decoder.local)
        while True:
            quote = self.buffer.find(b'"')
            if quote >= 0:
                decoder.feed(self.buffer[:quote])
                self.buffer = self.buffer[quote + 1 :]
                break
            decoder.feed(self.buffer)
            self.buffer = b""
            if not self._fill():
                raise CommitBodyError("invalid_commit", "The commit body ends inside a file's content.")
        size, digest = decoder.finish()
        rest = self._rest_of_line()
        parsed = line_from(prefix + b'"' + rest)
        return self._with_file(parsed, size, digest, decoder.local)

    def _rest_of_line(self) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_PARSED_LINE_BYTES:
                raise CommitBodyError("invalid_commit", "A file line has too much after its content.")
            if not self._fill():
                rest, self.buffer = self.buffer, b""
                return rest
        end = self.buffer.find(b"\n")
        rest, self.buffer = self.buffer[:end], self.buffer[end + 1 :]
        return rest

    def _decode(self, parsed: Line, chunks) -> SpooledFile:
        decoder = _Decoder(self.directory, self.max_file_bytes)
        self.spooled.append(decoder.local)
        for chunk in chunks:
            decoder.feed(chunk)
        size, digest = decoder.finish()
        return self._with_file(parsed, size, digest, decoder.local).file

    def _with_file(self, parsed: Line, size: int, digest: str, local: Path) -> Line:
        if parsed.key != "file":
            raise CommitBodyError("invalid_commit", "Only file lines may carry content.")
        self.inline_bytes += size
        if self.inline_bytes > self.max_total_bytes:
            raise CommitBodyError(
                "commit_too_large", f"The files sent inline add up to more than {self.max_total_bytes} bytes."
            )
        if parsed.value.get("encoding", "base64") != "base64":
            raise CommitBodyError("invalid_commit", "Inline file content must be base64 encoded.")
        path = parsed.value.get("path")
        if not isinstance(path, str):
            raise CommitBodyError("invalid_commit", "Every file line needs its path.")
        parsed.file = SpooledFile(path=path, size=size, sha256=digest, local=local)
        return parsed


def line_from(raw: bytes) -> Line:
    try:
        data = strict_loads(raw)
    except JsonInputError as exc:
        raise CommitBodyError("invalid_commit", f"A commit line is not JSON the hub accepts: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not isinstance(data.get("value"), dict):
        raise CommitBodyError("invalid_commit", 'Each commit line must be {"key": ..., "value": {...}}.')
    return Line(key=data["key"], value=data["value"])
