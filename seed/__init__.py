"""Reference data, demo data and scale data generators."""
