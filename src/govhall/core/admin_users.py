"""Admin pages; filled in by its mechanism."""
