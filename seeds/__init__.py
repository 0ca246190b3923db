"""The bundled seed files (portals.yaml, demo.yaml), shipped in the wheel as package data."""
