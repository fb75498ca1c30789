"""Black Forest Labs' job API: `POST /v1/{model}` (header `x-key`) answers `{id, polling_url}`; `GET
/v1/get_result?id=` is `Pending` on the first poll and `Ready` with `result.sample` on the next. Scenario
`jobfail`: the job ends `Error`; `moderated`: `Content Moderated`."""
import threading

from ..app import route
from ..wire import json_response
from .common import require

_JOBS = {}
_LOCK = threading.Lock()


def _key_ok(ctx):
    key = ctx.request.headers.get("x-key", "")
    return bool(key) and not key.lower().startswith(("bad", "invalid"))


@route("POST", r"/v1/(?P<model>flux[\w.-]*)", "bfl")
def submit(ctx, model):
    if not _key_ok(ctx):
        return json_response({"detail": "Not authenticated - Invalid Authentication"}, 403)
    body = ctx.json
    require(isinstance(body.get("prompt"), str), "prompt is required", "prompt")
    for name in ("width", "height"):
        if name in body:
            require(body[name] % 32 == 0, f"{name} must be a multiple of 32", name)
    job_id = ctx.new_id("bfl", "")
    base = ctx.base_url + (f"/s/{ctx.scenario.spec}" if ctx.scenario.spec else "")
    end = "Error" if ctx.scenario.has("jobfail") else "Content Moderated" if ctx.scenario.has("moderated") else "Ready"
    with _LOCK:
        _JOBS[job_id] = {"polls": 0, "end": end, "prompt": body["prompt"],
                         "sample": f"{ctx.base_url}/_emu/images/{job_id}.png"}
    ctx.note_reply({"images": 1, "model": model})
    return json_response({"id": job_id, "polling_url": f"{base}/v1/get_result?id={job_id}"})


@route("GET", r"/v1/get_result", "bfl")
def get_result(ctx):
    if not _key_ok(ctx):
        return json_response({"detail": "Not authenticated - Invalid Authentication"}, 403)
    job_id = ctx.request.args.get("id", "")
    job = _JOBS.get(job_id)
    if job is None:
        return json_response({"id": job_id, "status": "Task not found", "result": None})
    with _LOCK:
        job["polls"] += 1
        status = "Pending" if job["polls"] < 2 else job["end"]
    result = {"sample": job["sample"], "prompt": job["prompt"]} if status == "Ready" else None
    ctx.note_reply({"poll": job["polls"], "status": status})
    return json_response({"id": job_id, "status": status, "result": result})
