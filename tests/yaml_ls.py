"""A minimal LSP client for the real yaml-language-server (npm), to measure perfgen's JSON Schemas
as an editor shows them: the diagnostics of a document, the completions at a place.

The server is installed by `scripts/install-editor-tools.sh` into `.venv/node/`.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".venv" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


def available() -> bool:
    return SERVER.is_file() and shutil.which("node") is not None


class YamlLanguageServer:
    """One server process; `diagnostics(text, schema)` opens `text` as a new document validated
    against the JSON Schema file `schema` (by its modeline) and returns what the server publishes."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("node") or "node", str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )  # fmt: skip
        self.next_id = 0
        self.buffer = b""
        self.settings: dict = {}
        self.documents = 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": ROOT.as_uri(), "capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": False}}}}, "locale": "zh-cn"})
        self.notify("initialized", {})
        self.configure()

    def __enter__(self) -> YamlLanguageServer:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.process.wait(timeout=5)
        except Exception:  # noqa: BLE001 - a server that does not stop is killed
            self.process.kill()
            self.process.wait()

    # -- JSON-RPC over stdio

    def _send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _receive(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            header, _, rest = self.buffer.partition(b"\r\n\r\n")
            if _:
                length = int(next(line.split(b":")[1] for line in header.split(b"\r\n") if line.lower().startswith(b"content-length")))
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.process.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk

    def _answer(self, message: dict) -> None:
        """A request of the server's own (its configuration, a capability): answered."""
        if message.get("method") == "workspace/configuration":
            items = message["params"]["items"]
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": [self.settings.get(i.get("section", ""), None) for i in items]})
        else:
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def request(self, method: str, params, timeout: float = 30):
        self.next_id += 1
        wanted = self.next_id
        self._send({"jsonrpc": "2.0", "id": wanted, "method": method, "params": params})
        return self._until(lambda m: m.get("id") == wanted and "method" not in m, timeout, method).get("result")

    def _until(self, wanted, timeout: float, what: str) -> dict:
        """The first message `wanted` accepts, answering the server's own requests meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._receive(deadline - time.monotonic())
            if message is None:
                break
            if "method" in message and "id" in message:
                self._answer(message)
            elif wanted(message):
                return message
        raise TimeoutError(what)

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- what an editor does

    def configure(self) -> None:
        self.settings = {"yaml": {"validate": True, "completion": True, "hover": True, "schemas": {}, "schemaStore": {"enable": False}}}
        self.notify("workspace/didChangeConfiguration", {"settings": self.settings})

    def open(self, text: str, name: str = "spec.yaml") -> str:
        self.documents += 1
        uri = (ROOT / "build" / f"yaml-ls-{self.documents}" / name).as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        return uri

    def close(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def diagnostics(self, text: str, schema: Path, timeout: float = 20) -> list[dict]:
        """The diagnostics the server publishes for `text` against `schema` (the spec's own
        modeline, if any, is replaced: the schema is the one measured)."""
        uri = self.open(_with_modeline(text, schema))
        try:
            published = self._until(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri, timeout, "no diagnostics")
        finally:
            self.close(uri)
        return published["params"]["diagnostics"]

    def completions(self, text: str, schema: Path, line: int, character: int) -> list[str]:
        """The labels the server offers at (line, character), both from 0, with `schema`."""
        uri = self.open(_with_modeline(text, schema))
        try:
            result = self.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        finally:
            self.close(uri)
        items = result.get("items", []) if isinstance(result, dict) else result or []
        return [item["label"] for item in items]


def _with_modeline(text: str, schema: Path) -> str:
    """`text` whose first line names `schema` (replacing the spec's own modeline: the lines stay
    where they are). A modeline binds a schema to one document, as `perfgen new`'s specs do."""
    lines = text.split("\n")
    modeline = f"# yaml-language-server: $schema={schema.resolve().as_uri()}"
    if lines and lines[0].startswith("# yaml-language-server:"):
        lines[0] = modeline
        return "\n".join(lines)
    return modeline + "\n" + text
