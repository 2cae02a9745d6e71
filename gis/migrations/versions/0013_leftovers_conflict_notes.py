"""A conflict's note in two languages kept apart: ``note`` (Vietnamese) and ``note_en``.

Entries of the layers' ``conflicts`` lists (values that contradict a feature's own) used
to carry Vietnamese and English joined in one ``note``: "<vi>. / <en>." (a report
import's recomputed percentage, the dataset's 002:133). Each such note is split at its
first ". / " into ``note`` and ``note_en``; only where the part before it is Vietnamese
(a fifth of its words or more have a letter only Vietnamese writes: đ, ơ, ư, ă, ... or a
tone mark) and the part after it is not (a tenth at most: names quoted in English), the
entry has no ``note_en`` yet and both parts are not empty. Other notes (one language, as the dataset
curators wrote them) are left as they are. Every table with a ``conflicts`` jsonb column
is read, whatever the registry says now.

Downgrade joins them again ("<vi> / <en>") and drops ``note_en``.

Revision ID: 0013_leftovers
Revises: 0012
"""

import json
import re

from alembic import op
from sqlalchemy import text

revision = "0013_leftovers"
down_revision = "0012"
branch_labels = None
depends_on = None

SEPARATOR = ". / "
# letters and marks a Vietnamese text has and an English one does not
VIETNAMESE = re.compile("[đĐơƠưƯăĂâÂêÊôÔ\u0300\u0301\u0303\u0309\u0323"
                        "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                        re.IGNORECASE)


def _vietnamese_share(text: str) -> float:
    """The share of the words written with a letter or mark only Vietnamese has."""
    words = text.split()
    return sum(1 for w in words if VIETNAMESE.search(w)) / len(words) if words else 0.0


def split_note(entry: dict) -> dict:
    """The entry with a joined note split (unchanged when it is not one)."""
    note = entry.get("note")
    if not isinstance(note, str) or entry.get("note_en") or SEPARATOR not in note:
        return entry
    vi, en = note.split(SEPARATOR, 1)
    vi, en = vi.strip(), en.strip()
    if not vi or not en or _vietnamese_share(vi) < 0.2 or _vietnamese_share(en) > 0.1:
        return entry
    return {**entry, "note": vi + ".", "note_en": en}


def join_note(entry: dict) -> dict:
    if not isinstance(entry.get("note_en"), str):
        return entry
    out = {k: v for k, v in entry.items() if k != "note_en"}
    vi = (entry.get("note") or "").rstrip(".")
    out["note"] = f"{vi}{SEPARATOR}{entry['note_en']}" if vi else entry["note_en"]
    return out


def _tables(conn) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT table_schema, table_name FROM information_schema.columns"
        " WHERE column_name = 'conflicts' AND data_type = 'jsonb'"
        " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY 1, 2")).fetchall()]


def _rewrite(change) -> None:
    conn = op.get_bind()
    for schema, table in _tables(conn):
        name = f'"{schema}"."{table}"'
        rows = conn.execute(text(
            f"SELECT id, conflicts FROM {name} WHERE jsonb_typeof(conflicts) = 'array'"
            " AND conflicts::text LIKE '%note%'")).fetchall()
        for fid, conflicts in rows:
            new = [change(e) if isinstance(e, dict) else e for e in conflicts]
            if new != conflicts:
                conn.execute(text(f"UPDATE {name} SET conflicts = CAST(:c AS jsonb)"
                                  " WHERE id = :id"),
                             {"c": json.dumps(new, ensure_ascii=False), "id": fid})


def upgrade() -> None:
    _rewrite(split_note)


def downgrade() -> None:
    _rewrite(join_note)
