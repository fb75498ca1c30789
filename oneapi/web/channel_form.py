"""The channel form: what its fields hold and how they become the channel service's data (no rules here:
the service validates; this only maps form fields, merges the type-specific config fields into the config
JSON and points out what cannot even be read, such as JSON that does not parse)."""
from __future__ import annotations

import json

from flask import request

from oneapi.web.i18n import translate as _

# Which ChannelConfig keys the form offers for which channel types (the rest go in the config JSON editor).
CONFIG_FIELDS = (
    # (config key, label, help, type ids)
    ("api_version", "API version", "For example 2024-10-21.", (3, 18, 24)),
    ("region", "Region", "For example us-east-1.", (33, 42)),
    ("ak", "Access key ID", "", (33,)),
    ("sk", "Secret access key", "", (33,)),
    ("user_id", "Account ID", "The Cloudflare account id.", (37,)),
    ("vertex_ai_project_id", "Project ID", "", (42,)),
    ("library_id", "Library ID", "", (21,)),
    ("plugin", "Plugin", "", (17,)),
)
CONFIG_KEYS = tuple(f[0] for f in CONFIG_FIELDS)


def empty_values() -> dict:
    return {"type": "1", "name": "", "key": "", "base_url": "", "models": "", "group": "default",
            "model_mapping": "", "config": "", "model_configs": "", "priority": "0", "weight": "0",
            "ratelimit": "0", "testing_model": "", "system_prompt": "", **{k: "" for k in CONFIG_KEYS}}


def values_of(channel) -> dict:
    values = empty_values()
    values.update({"type": str(channel.type or 0), "name": channel.name or "", "base_url": channel.base_url or "",
                   "models": channel.models or "", "group": channel.group or "",
                   "model_mapping": channel.model_mapping or "", "model_configs": channel.model_configs or "",
                   "priority": str(channel.priority or 0), "weight": str(channel.weight or 0),
                   "ratelimit": str(channel.ratelimit or 0), "testing_model": channel.testing_model or "",
                   "system_prompt": channel.system_prompt or ""})
    config = parse_object(channel.config or "")
    if config is not None:
        for key in CONFIG_KEYS:
            if isinstance(config.get(key), str):
                values[key] = config.pop(key)
        values["config"] = json.dumps(config, ensure_ascii=False, indent=2) if config else ""
    else:
        values["config"] = channel.config or ""
    return values


def parse_object(text: str) -> dict | None:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_form(creating: bool) -> tuple[dict, dict, dict]:
    """(values to show again, field errors, data for the service)."""
    form = request.form
    values = empty_values()
    for name in values:
        values[name] = form.get(name, "").strip() if name not in ("key", "system_prompt") else form.get(name, "")
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Give the channel a name.")
    if creating and not values["key"].strip():
        errors["key"] = _("Enter the upstream key (one per line to create several channels).")
    if not values["models"]:
        errors["models"] = _("Choose at least one model.")
    if not values["group"]:
        errors["group"] = _("Choose at least one group.")
    numbers = {}
    for name in ("priority", "weight", "ratelimit"):
        try:
            numbers[name] = int(values[name] or 0)
        except ValueError:
            errors[name] = _("Enter a whole number.")
            continue
        if name != "priority" and numbers[name] < 0:
            errors[name] = _("Enter a whole number of zero or more.")
    json_fields = {"model_mapping": "string-map", "config": "object", "model_configs": "object"}
    parsed = {}
    for name, kind in json_fields.items():
        obj = parse_object(values[name])
        if obj is None:
            errors[name] = _("Not a valid JSON object.")
        elif kind == "string-map" and any(not isinstance(v, str) for v in obj.values()):
            errors[name] = _("Every value must be a model name (a string).")
        parsed[name] = obj
    config = parsed.get("config") or {}
    for key in CONFIG_KEYS:
        if values[key]:
            config[key] = values[key]
        else:
            config.pop(key, None)
    models = ",".join(dict.fromkeys(m.strip() for m in values["models"].replace("\n", ",").split(",")
                                    if m.strip()))
    groups = ",".join(dict.fromkeys(g.strip() for g in values["group"].split(",") if g.strip()))
    data = {"type": int(values["type"] or 0) if values["type"].isdigit() else 0, "name": values["name"],
            "key": values["key"].strip(), "base_url": values["base_url"].rstrip("/"), "models": models,
            "group": groups, "model_mapping": values["model_mapping"],
            "config": json.dumps(config, ensure_ascii=False) if config else "",
            "model_configs": values["model_configs"], "testing_model": values["testing_model"] or None,
            "system_prompt": values["system_prompt"] or None, **numbers}
    return values, errors, data
