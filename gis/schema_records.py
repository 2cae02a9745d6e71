"""Core tables of records kept beside the layers: indicators and their values and
contradictions (data/indicators), decisions cited for tasks (data/citations) and the rows
of imported reports (gis import report). Part of :mod:`gis.schema` (which re-exports
them); migrations 0006, 0009 and 0010 make them.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from gis.schema_meta import metadata

# Indicators (data/indicators/*.yaml; migration 0006): one row per indicator, its values
# by period, kind and measure as printed, and the documents' own contradictions.
indicator = Table(
    "indicator", metadata,
    Column("id", Text, primary_key=True),
    Column("ord", Integer, nullable=False),
    Column("group_name", Text),
    Column("name", Text, nullable=False),
    Column("name_en", Text),
    Column("unit", Text),
    Column("unit_code", Text, nullable=False, server_default="92",
           comment="admin unit the indicator is about (92: the city)"),
    Column("reporting_period", Text, comment="kỳ báo cáo, as printed"),
    Column("agency", Text, comment="cơ quan thực hiện, as printed"),
    Column("note", Text),
    Column("source_doc", Text, ForeignKey("source_document.id"), nullable=False),
    Column("source_line", Integer),
    Column("source_ref", Text),
)

indicator_value = Table(
    "indicator_value", metadata,
    Column("indicator_id", Text, ForeignKey("indicator.id", ondelete="CASCADE"),
           primary_key=True),
    Column("key", Text, primary_key=True, comment="period/kind/measure/basis/source/value"),
    Column("ord", Integer, nullable=False),
    Column("year_from", Integer, nullable=False),
    Column("year_to", Integer, nullable=False),
    Column("period_kind", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("measure", Text, nullable=False, server_default="level"),
    Column("value_text", Text, nullable=False, comment="the figure as printed"),
    Column("value", Numeric),
    Column("value_low", Numeric),
    Column("value_high", Numeric),
    Column("qualifier", Text, nullable=False, server_default="exact"),
    Column("unit", Text),
    Column("basis", Text, nullable=False, server_default="named"),
    Column("basis_rule", Text),
    Column("derived_from", Text),
    Column("source_doc", Text, ForeignKey("source_document.id"), nullable=False),
    Column("source_line", Integer),
    Column("source_ref", Text),
    Column("valid_on", Date, nullable=False),
    Column("note", Text),
)

indicator_contradiction = Table(
    "indicator_contradiction", metadata,
    Column("id", Text, primary_key=True),
    Column("ord", Integer, nullable=False),
    Column("note", Text, nullable=False, comment="what disagrees"),
    Column("sides", JSONB, nullable=False, comment="the values that disagree, with sources"),
)

# Decisions cited for tasks rather than works (data/citations/*.yaml; migration 0009):
# every citation of a decision, flagged where they give different numbers.
decision_citation = Table(
    "decision_citation", metadata,
    Column("decision_id", Text, primary_key=True),
    Column("ord", Integer, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("issuer", Text),
    Column("kind", Text, nullable=False),
    Column("number", Text, nullable=False),
    Column("cited_date", Date),
    Column("source_doc", Text, ForeignKey("source_document.id"), nullable=False),
    Column("source_line", Integer),
    Column("source_ref", Text),
    Column("differs", Boolean, nullable=False, server_default=text("false"),
           comment="the citations of this decision give different numbers"),
)

# Rows of imported reports (gis import report; migration 0009): status text as printed,
# valid on the report's date, and the features each row was matched to.
report_row = Table(
    "report_row", metadata,
    Column("source_doc", Text, ForeignKey("source_document.id"), primary_key=True),
    Column("appendix", Text, primary_key=True),
    Column("row_number", Text, primary_key=True),
    Column("line", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("status_text", Text),
    Column("valid_on", Date, nullable=False),
    Column("features", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("match_score", Numeric),
    Column("match_reason", Text),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
