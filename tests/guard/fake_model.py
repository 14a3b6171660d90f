"""A scripted OpenAI-compatible chat-completions endpoint on 127.0.0.1 for the realclaw guard test.

Each turn (no tool result since the person's last message): the "model" asks for one tool call given on the command
line; once the tool result is back it answers with plain text. Every request body is appended to a JSONL log
so the test can read what the gateway sent back as the tool result (e.g. the guard's block reason). Loopback only; test use only.
Usage: fake_model.py PORT LOGFILE TOOL_NAME ARGS_JSON   (ARGS_JSON: one object, or a list = several calls)
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PORT, LOG, TOOL, ARGS = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    doc = {"id": "c1", "object": "chat.completion.chunk", "created": int(time.time()), "model": "m1",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(doc).encode() + b"\n\n"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "m1", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(n) or b"{}")
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"path": self.path, "body": req}) + "\n")
        msgs = req.get("messages", [])
        # a tool result answering THIS turn's call: after the person's last message (earlier turns of the same
        # session are history; OpenClaw appends its own internal-context "user" message after tool results)
        real = [i for i, m in enumerate(msgs) if m.get("role") == "user"
                and "OPENCLAW_INTERNAL_CONTEXT" not in json.dumps(m.get("content"))]
        has_tool_result = any(m.get("role") == "tool" for m in msgs[(real[-1] if real else 0):])
        stream = bool(req.get("stream"))
        if not has_tool_result:
            # ARGS_JSON may be a list: several tool calls in one assistant message (one turn)
            many = json.loads(ARGS)
            argl = many if isinstance(many, list) else [many]
            tcs = [{"index": i, "id": f"call_{i + 1}", "type": "function",
                    "function": {"name": TOOL, "arguments": json.dumps(a)}} for i, a in enumerate(argl)]
            parts = [chunk({"role": "assistant", "content": None, "tool_calls": tcs}), chunk({}, "tool_calls")]
            full = {"role": "assistant", "content": None,
                    "tool_calls": [{k: v for k, v in tc.items() if k != "index"} for tc in tcs]}
            finish = "tool_calls"
        else:
            parts = [chunk({"role": "assistant", "content": "done"}), chunk({}, "stop")]
            full = {"role": "assistant", "content": "done"}
            finish = "stop"
        if stream:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for p in parts:
                self.wfile.write(p)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True
            return
        body = json.dumps({"id": "c1", "object": "chat.completion", "created": int(time.time()), "model": "m1",
                           "choices": [{"index": 0, "message": full, "finish_reason": finish}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
