"""/api/group/: the user groups an admin can assign (the keys of the GroupRatio option)."""
from oneapi.api import bp
from oneapi.api._helpers import ok
from oneapi.auth import admin_required
from oneapi.services.options import options


@bp.get("/group/")
@admin_required
def list_groups():
    ratios = options.get_json("GroupRatio", {})
    return ok(list(ratios.keys()) if isinstance(ratios, dict) else [])
