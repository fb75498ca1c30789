"""Fold a stream of IR events back into an IR response (for usage accounting,
logging, and for serving a non-stream client from a streaming upstream)."""

from __future__ import annotations

from . import ir


class Assembler:
    def __init__(self) -> None:
        self.response = ir.Response(finish=None)
        self._parts: dict[int, object] = {}
        self.error: ir.ErrorEvent | None = None

    def feed(self, ev) -> None:
        resp = self.response
        if isinstance(ev, ir.MessageStart):
            resp.id = ev.id or resp.id
            resp.model = ev.model or resp.model
            if ev.usage:
                resp.usage = ev.usage
        elif isinstance(ev, ir.PartStart):
            part = _new_part(ev)
            self._parts[ev.index] = part
            resp.parts.append(part)
        elif isinstance(ev, ir.TextDelta):
            part = self._get(ev.index, "text")
            part.text += ev.text
        elif isinstance(ev, ir.ToolArgsDelta):
            self._get(ev.index, "tool_call").arguments += ev.json
        elif isinstance(ev, ir.ThinkingDelta):
            self._get(ev.index, "thinking").text += ev.text
        elif isinstance(ev, ir.SignatureDelta):
            part = self._get(ev.index, "thinking")
            part.signature = (part.signature or "") + ev.signature
            part.origin = ev.origin or part.origin
        elif isinstance(ev, ir.UsageEvent):
            resp.usage = ev.usage
        elif isinstance(ev, ir.Finish):
            resp.finish = ev.reason
            resp.stop_sequence = ev.stop_sequence
        elif isinstance(ev, ir.ErrorEvent):
            self.error = self.error or ev  # the first error is the cause
        elif isinstance(ev, ir.ImageOutput):
            resp.parts.append(ir.Image(data=ev.data, media_type=ev.media_type))

    def _get(self, index: int, kind: str):
        part = self._parts.get(index)
        if part is None:
            part = _new_part(ir.PartStart(index=index, kind=kind))
            self._parts[index] = part
            self.response.parts.append(part)
        return part

    def result(self) -> ir.Response:
        for part in self.response.parts:
            if isinstance(part, ir.ToolCall) and not part.arguments:
                part.arguments = "{}"
        return self.response


def _new_part(ev: ir.PartStart):
    if ev.kind == "tool_call":
        return ir.ToolCall(id=ev.tool_id or "", name=ev.tool_name or "", arguments="",
                           signature=ev.signature)
    if ev.kind == "thinking":
        return ir.Thinking(origin=ev.origin)
    if ev.kind == "redacted_thinking":
        return ir.Thinking(redacted=ev.data, origin=ev.origin)
    if ev.kind == "refusal":
        return ir.Refusal(text="")
    return ir.Text(text="")


def assemble(events) -> ir.Response:
    asm = Assembler()
    for ev in events:
        asm.feed(ev)
    return asm.result()
