"""Report parsing: detection, metadata, sections, tables, checks (no scrapy imports)."""
