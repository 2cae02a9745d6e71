"""Rate limits shared by every API process and host (#15 §6): the writes and sign-in
attempts counted in a sliding window in the database, not in each worker's memory.

``rate_limit_event`` is UNLOGGED (counters need no crash safety: a crash forgets the
last minute's counts) and holds at most ``rate`` rows per key; ``rate_limit_hit`` counts
one event under an advisory lock of the key and answers 0 if it is allowed, else the
seconds until one is.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE UNLOGGED TABLE rate_limit_event (
            key TEXT NOT NULL,
            at TIMESTAMP WITH TIME ZONE NOT NULL
        )""")
    op.execute("CREATE INDEX rate_limit_event_key ON rate_limit_event (key, at)")
    op.execute("""
        CREATE FUNCTION rate_limit_hit(p_key text, p_rate integer, p_window double precision)
        RETURNS double precision LANGUAGE plpgsql AS $$
        DECLARE
          t timestamptz := clock_timestamp();
          span interval := make_interval(secs => p_window);
          n integer;
          oldest timestamptz;
        BEGIN
          PERFORM pg_advisory_xact_lock(hashtextextended('rate_limit:' || p_key, 0));
          DELETE FROM rate_limit_event WHERE key = p_key AND at <= t - span;
          SELECT count(*), min(at) INTO n, oldest FROM rate_limit_event WHERE key = p_key;
          IF n >= p_rate THEN
            RETURN greatest(extract(epoch FROM oldest + span - t), 0.001);
          END IF;
          INSERT INTO rate_limit_event (key, at) VALUES (p_key, t);
          IF random() < 0.001 THEN  -- now and then, forget the keys nobody used for a day
            DELETE FROM rate_limit_event WHERE at < t - greatest(span, interval '1 day');
          END IF;
          RETURN 0;
        END $$""")


def downgrade() -> None:
    op.execute("DROP FUNCTION rate_limit_hit(text, integer, double precision)")
    op.execute("DROP TABLE rate_limit_event")
