"""Who may write a feature: the token's user (:mod:`api.auth`), a layer that takes writes,
and the district rule of :mod:`gis.users`, checked on the stored and the written state.
Shared by the item writes (:mod:`api.writes`) and the progress figures
(:mod:`api.progress`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from psycopg import sql

from api.auth import current_user
from gis.errors import GISError
from gis.users import User
from layers.base import Layer

UserDep = Annotated[User, Depends(current_user)]


def editable(layer: Layer) -> Layer:
    """The layer, when it takes writes (else 405)."""
    if not layer.editable or not layer.managed_table:
        raise GISError(405, f"layer {layer.id!r} is read-only",
                       headers={"Allow": "GET, HEAD, OPTIONS"},
                       vi=f"Lớp {layer.title_vi} chỉ để xem, không sửa được")
    return layer


def feature_districts(layer: Layer, state: dict | None) -> list[str]:
    """The district codes of a feature's state (its field of role ``districts``)."""
    name = layer.role_field("districts")
    return list((state or {}).get(name) or []) if name else []


def check_allowed(user: User, layer: Layer, *states: dict | None) -> None:
    """403 unless the user may edit every given state of a feature (its districts)."""
    for state in states:
        if state is not None and (why := user.refusal(feature_districts(layer, state))):
            raise GISError(403, f"user {user.name!r} ({user.role}, district {user.district}) "
                                f"may only edit features of their own district: {why}",
                           vi=f"Người dùng {user.name!r} (quận/huyện {user.district}) chỉ được "
                           "sửa đối tượng của quận/huyện mình")


async def check_located(conn, user: User, layer: Layer, fid: str) -> None:
    """A district officer's feature must also lie in their district where it has a
    geometry (naming the district is not enough)."""
    if not user.restricted_to_district:
        return
    ok = (await (await conn.execute(sql.SQL(
        "SELECT f.geom IS NULL OR EXISTS (SELECT 1 FROM admin_district d WHERE d.code = %s "
        "AND ST_Intersects(f.geom, d.geom)) FROM {} f WHERE f.id = %s").format(
        sql.Identifier(layer.table)), (user.district, fid))).fetchone() or (True,))[0]
    if not ok:
        raise GISError(403, f"user {user.name!r} (district officer, {user.district}): the "
                            f"feature's geometry lies outside district {user.district}",
                       vi=f"Người dùng {user.name!r} (cán bộ quận/huyện {user.district}): vị "
                       f"trí của đối tượng nằm ngoài quận/huyện {user.district}")
