"""Structured logs: one JSON object a line, never a token and never message text."""

from __future__ import annotations

import json
import logging
import re
import sys

SECRET_RE = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,}")
DROPPED_KEYS = {"text", "blocks", "message", "question", "answer", "body", "payload", "token"}
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                "logger": record.name, "event": SECRET_RE.sub("[redacted]", record.getMessage())}
        for key, value in record.__dict__.items():
            if key in STANDARD or key.startswith("_"):
                continue
            data[key] = "[omitted]" if key in DROPPED_KEYS else SECRET_RE.sub("[redacted]", str(value))
        if record.exc_info:
            data["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("slack_bolt", "slack_sdk", "httpx", "urllib3", "sentence_transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
