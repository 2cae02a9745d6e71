"""The HTTP API: OGC API - Features and Tiles over the layer registry, plus /health."""
