"""/api/models: channel type id -> the model names the gateway knows for that type."""
from oneapi.api import bp
from oneapi.api._helpers import ok
from oneapi.auth import user_required
from oneapi.services import channel_types


@bp.get("/models")
@user_required
def models_by_channel_type():
    return ok({str(k): v for k, v in channel_types.models_by_type().items()})
