"""Gemini image models (`...image...:generateContent`): like the real ones, they answer with an `inlineData` PNG
next to a short text unless `generationConfig.responseModalities` leaves IMAGE out, one image per candidate
(`candidateCount`); scenario `blocked` gives a prompt blocked for safety. Registered before gemini.py so these
model names land here."""
import base64

from ..app import route
from ..media import png
from ..tokens import count_words
from ..wire import body_json, sse, stream_response
from .common import require, text_of
VERSIONS = r"/(?P<version>v1beta|v1|v1alpha)"  # as gemini.py (not imported: it must register after this)


@route("POST", VERSIONS + r"/models/(?P<model>[^/:]*image[^/:]*):(?P<action>generateContent|streamGenerateContent)",
       "gemini")
def generate_image(ctx, version, model, action):
    body = ctx.json
    contents = body.get("contents")
    require(isinstance(contents, list) and contents, "contents is required", "contents")
    prompt = " ".join(text_of(p.get("text")) for c in contents for p in c.get("parts") or [] if "text" in p)
    if ctx.scenario.has("blocked"):
        return body_json(ctx, {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {
            "promptTokenCount": max(1, count_words(prompt)), "totalTokenCount": max(1, count_words(prompt))}})
    config = body.get("generationConfig") or {}
    wants_image = "IMAGE" in (config.get("responseModalities") or ["TEXT", "IMAGE"])
    count = int(config.get("candidateCount") or 1)
    text = f"Here is {prompt}"
    parts = [{"text": text}]
    if wants_image:
        parts.append({"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png(2, 2)).decode()}})
    candidates = [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": i}
                  for i in range(count)]
    prompt_tokens, out_tokens = max(1, count_words(prompt)), (count_words(text) + (1290 if wants_image else 0)) * count
    ctx.note_reply({"images": count if wants_image else 0, "input_tokens": prompt_tokens, "output_tokens": out_tokens,
                    "aspect_ratio": (config.get("imageConfig") or {}).get("aspectRatio")})
    usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": out_tokens,
             "totalTokenCount": prompt_tokens + out_tokens}
    if action == "generateContent":
        return body_json(ctx, {"candidates": candidates, "modelVersion": model, "usageMetadata": usage})
    # streamed (alt=sse): the text first, then the image with the finish, as the real models send them
    first = {"content": {"role": "model", "parts": parts[:1]}, "index": 0}
    chunks = [{"candidates": [first], "modelVersion": model},
              {"candidates": [{**candidates[0], "content": {"role": "model", "parts": parts[1:]}}],
               "modelVersion": model, "usageMetadata": usage}]
    return stream_response(ctx, [sse(c, crlf=True) for c in chunks], keepalive=None)
