"""Sign-in for people in the browser (#10): passwords, sessions, failed sign-ins, named
tokens with an expiry, and an audit trail that also keeps refused writes, reasons and
the progress figures a delete took with it.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE app_user ADD COLUMN password_hash TEXT")
    op.execute("ALTER TABLE api_token ADD COLUMN name TEXT, "
               "ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE")
    op.execute("""
        CREATE TABLE user_session (
            id_sha256 TEXT NOT NULL,
            user_name TEXT NOT NULL REFERENCES app_user (name) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            address TEXT,
            created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            last_seen TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            PRIMARY KEY (id_sha256)
        )""")
    op.execute("""
        CREATE TABLE signin_failure (
            subject TEXT NOT NULL,
            failures INTEGER DEFAULT 0 NOT NULL,
            last_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
            locked_until TIMESTAMP WITH TIME ZONE,
            PRIMARY KEY (subject)
        )""")
    op.execute("ALTER TABLE audit_log ADD COLUMN status INTEGER, ADD COLUMN reason TEXT, "
               "ADD COLUMN detail JSONB")


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP COLUMN detail, DROP COLUMN reason, "
               "DROP COLUMN status")
    op.execute("DROP TABLE IF EXISTS signin_failure")
    op.execute("DROP TABLE IF EXISTS user_session")
    op.execute("ALTER TABLE api_token DROP COLUMN expires_at, DROP COLUMN name")
    op.execute("ALTER TABLE app_user DROP COLUMN password_hash")
