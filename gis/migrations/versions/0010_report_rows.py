"""The rows of imported reports (``gis import report``, issue #11): report_row.

One row per numbered appendix row of a report imported into the database: where it is
(appendix, number, line), its name and status text as printed (kept for the report's
date, also where it holds no figure), and the features it was matched to with the score
and reason. The next report's rows are matched by the place of these.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE report_row (
            source_doc TEXT NOT NULL REFERENCES source_document (id),
            appendix TEXT NOT NULL,
            row_number TEXT NOT NULL,
            line INTEGER NOT NULL,
            name TEXT NOT NULL,
            status_text TEXT,
            valid_on DATE NOT NULL,
            features TEXT[] DEFAULT '{}' NOT NULL,
            match_score NUMERIC,
            match_reason TEXT,
            imported_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            PRIMARY KEY (source_doc, appendix, row_number)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS report_row")
