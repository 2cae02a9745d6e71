"""Loading the curated dataset (``data/``) and the boundaries into PostGIS."""
