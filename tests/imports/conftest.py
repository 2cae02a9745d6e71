"""What the import tests add is removed again: the features, the files recorded as source
documents and the audit rows (other tests read every source document as a seed file)."""

from __future__ import annotations

import psycopg
import pytest


def remove_imports(db_url: str, feature_like: str) -> None:
    with psycopg.connect(db_url) as c:
        c.execute("DELETE FROM infra_project WHERE id LIKE %s", (feature_like,))
        c.execute("DELETE FROM progress_snapshot WHERE source_doc LIKE 'import-%'")
        c.execute("DELETE FROM audit_log WHERE action LIKE 'import%'")
        c.execute("DELETE FROM source_document WHERE id LIKE 'import-%'")


@pytest.fixture(autouse=True)
def _remove_imports(db_url):
    yield
    remove_imports(db_url, "imp-%")
