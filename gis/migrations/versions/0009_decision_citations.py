"""Decisions cited for tasks (not works), with every citation; differing ones flagged.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE decision_citation (
            decision_id text NOT NULL,
            ord integer NOT NULL,
            subject text NOT NULL,
            issuer text,
            kind text NOT NULL,
            number text NOT NULL,
            cited_date date,
            source_doc text NOT NULL REFERENCES source_document (id),
            source_line integer,
            source_ref text,
            differs boolean NOT NULL DEFAULT false,
            PRIMARY KEY (decision_id, ord)
        )""")
    op.execute("COMMENT ON COLUMN decision_citation.differs IS "
               "'the citations of this decision give different numbers'")


def downgrade() -> None:
    op.execute("DROP TABLE decision_citation")
