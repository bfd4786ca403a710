"""A local OpenAI-compatible HTTP server: chat completions and embeddings, with programmable replies."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import numpy as np

from tests.support.loopback import LoopbackServer


def hashed_embedding(text: str, dimensions: int = 64) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words get similar vectors."""
    vector = np.zeros(dimensions, dtype=np.float32)
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        digest = hashlib.md5(word.encode()).digest()
        vector[digest[0] % dimensions] += 1.0 if digest[1] % 2 else -1.0
    norm = float(np.linalg.norm(vector)) or 1.0
    return (vector / norm).tolist()


# Errors ask the client to wait this long before retrying, as OpenAI's API can (the client honours it), so the
# retries the bot allows happen without the client's own backoff of about a second.
RETRY_AFTER_MS = "20"


class FakeOpenAI(LoopbackServer):
    def __init__(self):
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.chat_handler: Callable[[dict], object] = lambda body: "OK"
        self.embed_handler: Callable[[list[str]], list[list[float]]] | None = lambda texts: [hashed_embedding(t)
                                                                                      for t in texts]
        self.latency = 0.0

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def reply_with(self, content: str) -> None:
        self.chat_handler = lambda body: content

    def fail_with(self, status: int, message: str = "boom") -> None:
        self.chat_handler = lambda body: (status, {"error": {"message": message, "type": "server_error"}})

    def chat_requests(self) -> list[dict]:
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length) or b"{}") if length else {}
        with self._lock:
            self.requests.append({"path": request.path, "headers": dict(request.headers), "body": body})
        if self.latency:
            time.sleep(self.latency)
        if request.command == "GET":
            self._send(request, 200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        elif request.path.endswith("/chat/completions"):
            outcome = self.chat_handler(body)
            if isinstance(outcome, tuple):
                self._send(request, outcome[0], outcome[1], {"retry-after-ms": RETRY_AFTER_MS})
                return
            self._send(request, 200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": outcome},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
        elif request.path.endswith("/embeddings"):
            texts = body.get("input")
            texts = [texts] if isinstance(texts, str) else list(texts)
            if self.embed_handler is None:
                self._send(request, 500, {"error": {"message": "embeddings unavailable", "type": "server_error"}},
                           {"retry-after-ms": RETRY_AFTER_MS})
                return
            vectors = self.embed_handler(texts)
            as_base64 = body.get("encoding_format") == "base64"
            data = [{"object": "embedding", "index": i,
                     "embedding": base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v}
                    for i, v in enumerate(vectors)]
            self._send(request, 200, {"object": "list", "data": data, "model": body.get("model", "fake"),
                                      "usage": {"prompt_tokens": 1, "total_tokens": 1}})
        else:
            self._send(request, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
