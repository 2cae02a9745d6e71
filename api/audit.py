"""The audit trail: one ``audit_log`` row per change made through the API (who, when,
what, the state before and after). Item and progress writes name a layer and a feature;
admin actions name ``app_user`` or ``api_token`` and the user or token."""

from __future__ import annotations

from psycopg.types.json import Jsonb


async def record(conn, user_name: str, action: str, subject: str, key: str,
                 before, after) -> None:
    """Written in the caller's transaction, so a change and its record land together."""
    await conn.execute("INSERT INTO audit_log (user_name, action, layer_id, feature_id, before, "
                       "after) VALUES (%s, %s, %s, %s, %s, %s)",
                       (user_name, action, subject, key,
                        None if before is None else Jsonb(before),
                        None if after is None else Jsonb(after)))
