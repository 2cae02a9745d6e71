"""Core of the Cần Thơ planning GIS: settings, database, CRS, admin units, import/export."""
