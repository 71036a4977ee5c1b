"""Read-only SQL views for BI tools: bi_interval, bi_agent_day, bi_ticket.

Revision ID: 0005_bi_views
Revises: 0004_sources

Tableau, Power BI or any SQL client read these views directly (see docs/bi.md). They follow the
product's definitions: measures attributed to the interval a contact arrived in, handled =
answered and not abandoned, service level against each channel's threshold
(:data:`features.schema.CHANNEL_THRESHOLDS_S`) with contacts abandoned within
:data:`features.schema.SHORT_ABANDON_S` left out, ticket outcomes as stored at ingestion
(:mod:`features.measures.tickets`). Intervals and days are UTC (the database does not know the
site's zone); every row also carries its UTC epoch milliseconds for re-bucketing.
"""

from __future__ import annotations

from alembic import op

from features.schema import CHANNEL_THRESHOLDS_S, DEFAULT_CHANNEL, SHORT_ABANDON_S

revision = "0005_bi_views"
down_revision = "0004_sources"
branch_labels = None
depends_on = None

VIEWS = ("bi_ticket", "bi_agent_day", "bi_interval")
INTERVAL_MS = 15 * 60 * 1000
DAY_MS = 24 * 3600 * 1000


def _timestamp(ms: str, dialect: str) -> str:
    """SQL of a UTC timestamp from epoch milliseconds (ISO text on SQLite)."""
    if dialect == "postgresql":
        return f"to_timestamp({ms} / 1000.0)"
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {ms} / 1000, 'unixepoch')"


def _day(ms: str, dialect: str) -> str:
    """SQL of the UTC date of epoch milliseconds."""
    if dialect == "postgresql":
        return f"(DATE '1970-01-01' + CAST({ms} / {DAY_MS} AS INTEGER))"
    return f"date({ms} / 1000, 'unixepoch')"


def _threshold_s() -> str:
    cases = " ".join(f"WHEN '{name}' THEN {value}" for name, value in CHANNEL_THRESHOLDS_S.items())
    return f"CASE c.channel {cases} ELSE {CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL]} END"


def _bi_interval(dialect: str) -> str:
    handled = "(c.answered_at IS NOT NULL AND NOT c.abandoned)"
    wait_s = "(c.answered_at - c.arrived_at) / 1000.0"
    short_ms = SHORT_ABANDON_S * 1000
    short = f"(c.abandoned AND c.ended_at IS NOT NULL AND c.ended_at - c.arrived_at < {short_ms})"
    return f"""
CREATE VIEW bi_interval AS
SELECT
  g.queue,
  {_timestamp("g.interval_start_ms", dialect)} AS interval_start,
  g.interval_start_ms,
  g.offered,
  g.handled,
  g.abandoned,
  g.aht_s,
  g.asa_s,
  CAST(g.in_sl AS FLOAT) / NULLIF(g.sl_offered, 0) AS service_level,
  CAST(g.abandoned AS FLOAT) / NULLIF(g.offered, 0) AS abandon_rate
FROM (
  SELECT
    c.queue,
    (c.arrived_at / {INTERVAL_MS}) * {INTERVAL_MS} AS interval_start_ms,
    COUNT(*) AS offered,
    SUM(CASE WHEN {handled} THEN 1 ELSE 0 END) AS handled,
    SUM(CASE WHEN c.abandoned THEN 1 ELSE 0 END) AS abandoned,
    AVG(CASE WHEN {handled} THEN c.handle_s END) AS aht_s,
    CAST(AVG(CASE WHEN c.answered_at IS NOT NULL THEN {wait_s} END) AS FLOAT) AS asa_s,
    SUM(CASE WHEN {handled} AND {wait_s} <= {_threshold_s()} THEN 1 ELSE 0 END) AS in_sl,
    SUM(CASE WHEN {short} THEN 0 ELSE 1 END) AS sl_offered
  FROM contacts c
  GROUP BY c.queue, (c.arrived_at / {INTERVAL_MS}) * {INTERVAL_MS}
) g
"""


def _bi_agent_day(dialect: str) -> str:
    handled = "c.answered_at IS NOT NULL AND NOT c.abandoned AND c.agent_id IS NOT NULL"
    contact_day = _day("c.arrived_at", dialect)
    negative = "CASE WHEN q.negative_emotion THEN 1.0 WHEN NOT q.negative_emotion THEN 0.0 END"
    return f"""
CREATE VIEW bi_agent_day AS
WITH handled AS (
  SELECT c.agent_id, {contact_day} AS day,
    COUNT(*) AS contacts_handled,
    AVG(c.handle_s) AS aht_s,
    AVG(c.acw_s) AS acw_s,
    AVG(CAST(c.csat AS FLOAT)) AS csat,
    CAST(AVG(CASE WHEN COALESCE(c.transfers, 0) > 0 THEN 1.0 ELSE 0.0 END) AS FLOAT)
      AS transfer_rate
  FROM contacts c
  WHERE {handled}
  GROUP BY c.agent_id, {contact_day}
),
reads AS (
  SELECT k.agent_id, {_day("k.viewed_at", dialect)} AS day, COUNT(*) AS kb_views
  FROM kb_events k
  GROUP BY k.agent_id, {_day("k.viewed_at", dialect)}
),
scores AS (
  SELECT c.agent_id, {contact_day} AS day,
    COUNT(*) AS evaluations,
    AVG(q.script_compliance) AS script_compliance,
    AVG(q.empathy) AS empathy,
    CAST(AVG({negative}) AS FLOAT) AS negative_emotion_rate
  FROM quality_evaluations q JOIN contacts c ON c.contact_id = q.contact_id
  WHERE c.agent_id IS NOT NULL
  GROUP BY c.agent_id, {contact_day}
),
keys AS (
  SELECT agent_id, day FROM handled
  UNION SELECT agent_id, day FROM reads
  UNION SELECT agent_id, day FROM scores
)
SELECT
  k.agent_id, a.name, a.team, k.day,
  COALESCE(h.contacts_handled, 0) AS contacts_handled,
  h.aht_s, h.acw_s, h.csat, h.transfer_rate,
  COALESCE(r.kb_views, 0) AS kb_views,
  COALESCE(s.evaluations, 0) AS evaluations,
  s.script_compliance, s.empathy, s.negative_emotion_rate
FROM keys k
LEFT JOIN handled h ON h.agent_id = k.agent_id AND h.day = k.day
LEFT JOIN reads r ON r.agent_id = k.agent_id AND r.day = k.day
LEFT JOIN scores s ON s.agent_id = k.agent_id AND s.day = k.day
LEFT JOIN agents a ON a.agent_id = k.agent_id
"""


def _bi_ticket(dialect: str) -> str:
    return f"""
CREATE VIEW bi_ticket AS
SELECT
  t.ticket_id, t.queue, t.category, t.priority, t.status,
  t.agent_id, a.team, t.contact_id, c.channel,
  {_timestamp("t.opened_at", dialect)} AS opened_at,
  {_timestamp("t.resolved_at", dialect)} AS resolved_at,
  t.opened_at AS opened_at_ms,
  t.resolved_at AS resolved_at_ms,
  CAST((t.resolved_at - t.opened_at) / 1000.0 AS FLOAT) AS resolution_s,
  t.reopened,
  t.first_contact_resolved,
  (SELECT COUNT(*) FROM ticket_status_changes s WHERE s.ticket_id = t.ticket_id)
    AS status_changes
FROM tickets t
LEFT JOIN agents a ON a.agent_id = t.agent_id
LEFT JOIN contacts c ON c.contact_id = t.contact_id
"""


def upgrade() -> None:
    """Create the BI views."""
    dialect = op.get_bind().dialect.name
    for build in (_bi_interval, _bi_agent_day, _bi_ticket):
        op.execute(build(dialect))


def downgrade() -> None:
    """Drop the BI views."""
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
