"""The fake server's batch endpoints: OpenAI's files + /v1/batches and Anthropic's
/v1/messages/batches, answered from the same replies as live calls (the responder or the queue).

A batch is `in_progress` for `fake.batch_delay` seconds after it is created (or, with
`fake.batch_hold`, until the test lets go), then ends: each request is answered, fails with its
Reply's status (a per-request error), or expires when its custom id is in `fake.batch_expire`
(or every request, with `batch_expire = True`). `fake.batch_creates` counts the batches created.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakellm import FakeLLM

_ids = itertools.count(1)


@dataclass
class FakeBatch:
    id: str
    protocol: str  # "openai" | "anthropic"
    requests: list[tuple[str, dict[str, Any]]]  # (custom_id, body)
    created: float  # monotonic
    created_at: int  # epoch seconds
    metadata: dict[str, Any] = field(default_factory=dict)
    input_file_id: str | None = None
    state: str = "in_progress"  # in_progress | ended | canceled | expired
    cancel_asked: bool = False
    # custom_id -> ("succeeded", body) | ("errored", status, message) | ("expired",) | ("canceled",)
    results: dict[str, tuple[Any, ...]] | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    ended_at: int | None = None


class FakeBatches:
    """The batches a FakeLLM holds, and its endpoints."""

    def __init__(self, fake: FakeLLM) -> None:
        self.fake = fake
        self.batches: dict[str, FakeBatch] = {}
        self.files: dict[str, bytes] = {}

    # ---- processing ----

    def _advance(self, b: FakeBatch) -> None:
        """End the batch once its delay has passed (unless held), answering every request."""
        fake = self.fake
        if b.results is not None:
            return
        if b.cancel_asked:
            b.results = {cid: ("canceled",) for cid, _ in b.requests}
            b.state = "canceled"
        elif fake.batch_hold or time.monotonic() - b.created < fake.batch_delay:
            return
        else:
            expire = fake.batch_expire
            b.results = {}
            for cid, body in b.requests:
                if expire is True or (isinstance(expire, set | frozenset) and cid in expire):
                    b.results[cid] = ("expired",)
                    continue
                reply = fake._next_reply(body)
                if reply is None:
                    b.results[cid] = ("errored", 400, "FakeLLM: no reply scripted for this request")
                elif reply.status is not None:
                    b.results[cid] = ("errored", reply.status, reply.error or "request failed")
                else:
                    b.results[cid] = ("succeeded", fake._complete(b.protocol, body, reply))
            b.state = "expired" if expire is True else "ended"
        b.ended_at = int(time.time())
        if b.protocol == "openai":
            self._openai_files(b)

    def _openai_files(self, b: FakeBatch) -> None:
        assert b.results is not None
        out, err = [], []
        for cid, result in b.results.items():
            line: dict[str, Any] = {"id": f"batch_req_{next(_ids)}", "custom_id": cid}
            if result[0] == "succeeded":
                line["response"] = {"status_code": 200, "request_id": "req_fake", "body": result[1]}
                line["error"] = None
                out.append(line)
            elif result[0] == "errored":
                status, message = result[1], result[2]
                body = {"error": {"message": message, "type": "invalid_request_error"}}
                line["response"] = {"status_code": status, "request_id": "req_fake", "body": body}
                line["error"] = None
                err.append(line)
            else:
                code = "batch_expired" if result[0] == "expired" else "batch_cancelled"
                words = "expired" if result[0] == "expired" else "was cancelled"
                line["response"] = None
                line["error"] = {"code": code, "message": f"This request {words}."}
                err.append(line)
        if out:
            b.output_file_id = self._add_file(out)
        if err:
            b.error_file_id = self._add_file(err)

    def _add_file(self, lines: list[dict[str, Any]]) -> str:
        file_id = f"file-fake{next(_ids)}"
        self.files[file_id] = "".join(json.dumps(x) + "\n" for x in lines).encode()
        return file_id

    # ---- wire objects ----

    def _openai_batch(self, b: FakeBatch) -> dict[str, Any]:
        self._advance(b)
        results = b.results or {}
        status = {
            "in_progress": "cancelling" if b.cancel_asked else "in_progress",
            "ended": "completed",
            "canceled": "cancelled",
            "expired": "expired",
        }[b.state]
        return {
            "id": b.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": None,
            "input_file_id": b.input_file_id,
            "completion_window": "24h",
            "status": status,
            "output_file_id": b.output_file_id,
            "error_file_id": b.error_file_id,
            "created_at": b.created_at,
            "in_progress_at": b.created_at,
            "expires_at": b.created_at + 86400,
            "completed_at": b.ended_at if b.state == "ended" else None,
            "expired_at": b.ended_at if b.state == "expired" else None,
            "cancelled_at": b.ended_at if b.state == "canceled" else None,
            "request_counts": {
                "total": len(b.requests),
                "completed": sum(r[0] == "succeeded" for r in results.values()),
                "failed": sum(r[0] != "succeeded" for r in results.values()),
            },
            "metadata": b.metadata or None,
        }

    def _anthropic_batch(self, b: FakeBatch) -> dict[str, Any]:
        self._advance(b)
        results = b.results
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if results is None:
            counts["processing"] = len(b.requests)
        else:
            for r in results.values():
                counts[r[0]] += 1
        ended = results is not None
        return {
            "id": b.id,
            "type": "message_batch",
            "processing_status": "ended"
            if ended
            else "canceling"
            if b.cancel_asked
            else "in_progress",
            "request_counts": counts,
            "ended_at": _iso(b.ended_at) if ended else None,
            "created_at": _iso(b.created_at),
            "expires_at": _iso(b.created_at + 86400),
            "archived_at": None,
            "cancel_initiated_at": _iso(b.created_at) if b.cancel_asked else None,
            "results_url": f"{self.fake.base_url_anthropic}/v1/messages/batches/{b.id}/results"
            if ended
            else None,
        }

    def _anthropic_results(self, b: FakeBatch) -> bytes:
        assert b.results is not None
        lines = []
        for cid, r in b.results.items():
            if r[0] == "succeeded":
                result: dict[str, Any] = {"type": "succeeded", "message": r[1]}
            elif r[0] == "errored":
                error = {"type": "invalid_request_error", "message": r[2]}
                result = {"type": "errored", "error": {"type": "error", "error": error}}
            else:
                result = {"type": r[0]}
            lines.append(json.dumps({"custom_id": cid, "result": result}) + "\n")
        return "".join(lines).encode()

    # ---- endpoints ----

    async def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes, writer: Any
    ) -> bool | None:
        """Answer a batch or file request; None when the path is not one of them."""
        from fakellm import RecordedRequest, _error_body, _send_json, _send_raw

        if not (path.startswith("/v1/files") or "/batches" in path):
            return None
        body: Any = None
        if raw and not headers.get("content-type", "").startswith("multipart/"):
            body = json.loads(raw)
        self.fake._record(RecordedRequest(method, path, headers, body, "batch", (), time.time()))
        found = self._route(method, path, headers, raw, body)
        if found is None:
            await _send_json(writer, 404, _error_body("openai", 404, f"no {method} {path}"))
        elif isinstance(found, bytes):
            await _send_raw(writer, 200, found.decode(), "application/binary")
        else:
            await _send_json(writer, found[0], found[1])
        return True

    def _route(
        self, method: str, path: str, headers: dict[str, str], raw: bytes, body: Any
    ) -> tuple[int, Any] | bytes | None:
        fake = self.fake
        if method == "POST" and path == "/v1/files":
            data = _multipart_file(headers.get("content-type", ""), raw)
            file_id = f"file-fake{next(_ids)}"
            self.files[file_id] = data
            obj = {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": "batch.jsonl",
                "purpose": "batch",
                "status": "processed",
            }
            return 200, obj
        if m := re.fullmatch(r"/v1/files/([^/]+)/content", path):
            data = self.files.get(m[1])
            return data if data is not None else None
        if method == "POST" and path == "/v1/batches":
            lines = self.files.get(body.get("input_file_id", ""), b"").decode().splitlines()
            requests = [(x["custom_id"], x["body"]) for x in map(json.loads, filter(None, lines))]
            b = self._new("openai", requests, body.get("metadata") or {})
            b.input_file_id = body["input_file_id"]
            return 200, self._openai_batch(b)
        if method == "POST" and path == "/v1/messages/batches":
            requests = [(r["custom_id"], r["params"]) for r in body["requests"]]
            return 200, self._anthropic_batch(self._new("anthropic", requests, {}))
        openai = re.fullmatch(r"/v1/batches(?:/([^/]+))?(/cancel)?", path)
        anthropic = re.fullmatch(r"/v1/messages/batches(?:/([^/]+))?(/cancel|/results)?", path)
        match = openai or anthropic
        if match is None:
            return None
        show = self._openai_batch if openai else self._anthropic_batch
        protocol = "openai" if openai else "anthropic"
        if match[1] is None:
            mine = [b for b in self.batches.values() if b.protocol == protocol]
            data = [show(b) for b in sorted(mine, key=lambda b: -b.created)]
            first = data[0]["id"] if data else None
            last = data[-1]["id"] if data else None
            if openai:
                page = {"object": "list", "data": data, "first_id": first, "last_id": last}
            else:
                page = {"data": data, "first_id": first, "last_id": last}
            return 200, {**page, "has_more": False}
        b = self.batches.get(match[1])
        if b is None or b.protocol != protocol:
            return 404, {"error": {"type": "not_found_error", "message": f"no batch {match[1]}"}}
        if match[2] == "/cancel":
            fake.batch_cancels += 1
            b.cancel_asked = True
        if match[2] == "/results":
            self._advance(b)
            return self._anthropic_results(b) if b.results is not None else None
        return 200, show(b)

    def _new(
        self, protocol: str, requests: list[tuple[str, dict[str, Any]]], metadata: dict[str, Any]
    ) -> FakeBatch:
        from fakellm import _validate_anthropic, _validate_openai

        self.fake.batch_creates += 1
        check = _validate_openai if protocol == "openai" else _validate_anthropic
        headers = {"authorization": "Bearer x", "x-api-key": "x", "anthropic-version": "2023-06-01"}
        for cid, body in requests:
            for why in check(headers, body):
                self.fake._extra_violations.append(f"batch request {cid}: {why}")
        prefix = "batch_" if protocol == "openai" else "msgbatch_"
        b = FakeBatch(
            id=f"{prefix}fake{next(_ids)}",
            protocol=protocol,
            requests=requests,
            created=time.monotonic(),
            created_at=int(time.time()),
            metadata=metadata,
        )
        self.batches[b.id] = b
        return b

    def release(self) -> None:
        """Let held batches end (`batch_hold` off)."""
        self.fake.batch_hold = False


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _multipart_file(content_type: str, raw: bytes) -> bytes:
    """The `file` part of a multipart/form-data body."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    for part in raw.split(b"--" + boundary):
        head, _, data = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return data.removesuffix(b"\r\n")
    return b""
