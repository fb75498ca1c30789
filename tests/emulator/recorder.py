"""Thread-safe log of the requests the emulator received, with their raw bodies."""
import base64
import json
import threading
import time


class Recorder:
    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def record(self, request, api_path, scenario_spec):
        raw = request.get_data(cache=True)
        item = {
            "method": request.method,
            "path": request.path,
            "api_path": api_path,
            "scenario": scenario_spec,
            "query": {k: (v if len(v) > 1 else v[0]) for k, v in request.args.lists()},
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "json": None,
            "raw": None,
            "time": time.time(),
            "status": None,
            "reply": None,
        }
        content_type = request.mimetype or ""
        if content_type.startswith("multipart/form-data"):
            item["form"] = {k: (v if len(v) > 1 else v[0]) for k, v in request.form.lists()}
            item["files"] = {k: {"filename": f.filename, "content_type": f.mimetype, "size": _size(f)}
                             for k, f in request.files.items(multi=True)}
        try:
            item["raw"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            item["raw_base64"] = base64.b64encode(raw).decode()
        if raw and "json" in content_type or (raw[:1] in (b"{", b"[")):
            try:
                item["json"] = json.loads(raw)
            except ValueError:
                pass
        with self._lock:
            self._items.append(item)
        return item

    def items(self):
        with self._lock:
            return list(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()


def _size(storage):
    stream = storage.stream
    pos = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(pos)
    return size
