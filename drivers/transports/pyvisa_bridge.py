"""Holds one pyvisa session for nudged's PyvisaBridgeTransport (drivers/transports/pyvisa-bridge.ts).

Protocol: one JSON object per line on stdin, one reply per line on stdout, matched by "id".
  {"id": 1, "op": "open", "resource": "GPIB0::5::INSTR", "library": "@py", "timeout_ms": 5000,
   "read_termination": "\\n" | null, "write_termination": "\\n" | null}
  {"id": 2, "op": "write", "data": "<base64>"}              (write_termination is appended)
  {"id": 3, "op": "read", "timeout_ms": 5000}                -> {"data": "<base64>"}, terminator stripped
  {"id": 4, "op": "read_bytes", "count": 10, "timeout_ms": 5000} -> {"data": "<base64>"}
  {"id": 5, "op": "clear"}
  {"id": 6, "op": "close"}                                   (the helper exits after replying)
Replies: {"id": n, "ok": true, ...} or {"id": n, "ok": false, "error": {"type": <exception class
name>, "message": str, "timeout": bool}}. A startup failure (pyvisa missing) is reported with
"id": null before exiting with status 2.
"""

import base64
import json
import sys


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Bridge:
    def __init__(self, pyvisa):
        self.pyvisa = pyvisa
        self.manager = None
        self.session = None
        self.read_termination = None
        self.write_termination = None

    def handle(self, request):
        op = request.get("op")
        if op == "open":
            return self.open(request)
        if self.session is None:
            raise RuntimeError("no session is open")
        if op == "write":
            data = base64.b64decode(request["data"])
            if self.write_termination:
                data += self.write_termination.encode("latin-1")
            self.session.write_raw(data)
            return {}
        if op == "read":
            self.set_timeout(request)
            data = self.session.read_raw()
            term = (self.read_termination or "").encode("latin-1")
            if term and data.endswith(term):
                data = data[: -len(term)]
            return {"data": base64.b64encode(data).decode("ascii")}
        if op == "read_bytes":
            self.set_timeout(request)
            data = self.session.read_bytes(int(request["count"]))
            return {"data": base64.b64encode(data).decode("ascii")}
        if op == "clear":
            self.session.clear()
            return {}
        if op == "close":
            self.close()
            return {}
        raise ValueError("unknown op %r" % (op,))

    def open(self, request):
        if self.session is not None:
            raise RuntimeError("a session is already open")
        self.manager = self.pyvisa.ResourceManager(request.get("library") or "@py")
        timeout_ms = request.get("timeout_ms")
        session = self.manager.open_resource(request["resource"], open_timeout=timeout_ms or 5000)
        self.read_termination = request.get("read_termination")
        self.write_termination = request.get("write_termination")
        # The bridge appends and strips terminators itself; pyvisa's read_termination also makes
        # the VISA read stop at the terminator byte (VI_ATTR_TERMCHAR_EN).
        session.read_termination = self.read_termination
        session.write_termination = ""
        session.timeout = timeout_ms
        self.session = session
        return {}

    def set_timeout(self, request):
        if request.get("timeout_ms") is not None:
            self.session.timeout = request["timeout_ms"]

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None
        if self.manager is not None:
            self.manager.close()
            self.manager = None

    def is_timeout(self, error):
        errors = self.pyvisa.errors
        return isinstance(error, errors.VisaIOError) and error.error_code == self.pyvisa.constants.StatusCode.error_timeout


def main():
    try:
        import pyvisa
    except ImportError as error:
        emit({"id": None, "ok": False, "error": {"type": type(error).__name__, "message": str(error), "timeout": False}})
        return 2
    bridge = Bridge(pyvisa)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            reply = bridge.handle(request)
            emit(dict(reply, id=request.get("id"), ok=True))
        except Exception as error:  # every failure goes back to the caller, named by its class
            emit(
                {
                    "id": request.get("id"),
                    "ok": False,
                    "error": {"type": type(error).__name__, "message": str(error), "timeout": bridge.is_timeout(error)},
                }
            )
        if request.get("op") == "close":
            return 0
    bridge.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
