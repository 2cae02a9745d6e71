"""The SQLAlchemy metadata every table of :mod:`gis.schema` is defined on."""

from sqlalchemy import MetaData

metadata = MetaData()
