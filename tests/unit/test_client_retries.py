"""The client retries what is safe to retry, against a small local HTTP server that fails on purpose."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deltacenter.errors import HubError
from deltacenter.http import HubSession
from deltacenter.upload import Uploader


class FlakyServer:
    """Answers each request with the next status of `statuses` (then 200), recording what it received."""

    def __init__(self, statuses):
        self.statuses, self.received = list(statuses), []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                server.received.append((self.command, self.path, body))
                status = server.statuses.pop(0) if server.statuses else 200
                payload = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("ETag", '"etag"')
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def no_waiting(monkeypatch):
    monkeypatch.setattr("deltacenter.http.time.sleep", lambda seconds: None)
    monkeypatch.setattr("deltacenter.upload.time.sleep", lambda seconds: None)


def test_hub_requests_are_retried_on_busy_answers(no_waiting):
    server = FlakyServer([503, 429, 502])
    try:
        assert HubSession(server.url, "token").get_json("api/whoami") == {"ok": True}
        assert len(server.received) == 4
    finally:
        server.close()


def test_a_hub_that_stays_busy_is_an_error_after_a_few_tries(no_waiting):
    server = FlakyServer([503] * 10)
    try:
        with pytest.raises(HubError) as caught:
            HubSession(server.url, "token").get_json("api/whoami")
        assert caught.value.status == 503 and len(server.received) == 5
    finally:
        server.close()


def test_a_refused_client_error_is_not_retried(no_waiting):
    server = FlakyServer([400])
    try:
        with pytest.raises(HubError):
            HubSession(server.url, "token").post_json("api/x", {})
        assert len(server.received) == 1
    finally:
        server.close()


def test_a_put_to_storage_is_retried_and_streams_the_file(tmp_path, no_waiting):
    server = FlakyServer([500, 503])
    data = bytes(range(256)) * 5000
    path = tmp_path / "weights.safetensors"
    path.write_bytes(data)
    local = {"path": "weights.safetensors", "size": len(data), "sha256": "0" * 64, "local": path}
    plan = [{"path": local["path"], "sha256": local["sha256"], "action": "upload", "url": f"{server.url}/put"}]
    try:
        report = Uploader(HubSession(server.url, "token"), "api/plan", workers=2).run(plan, [local])
    finally:
        server.close()
    assert report.sent_bytes == len(data) and report.skipped_bytes == 0
    assert [body for _, _, body in server.received] == [data, data, data]
