"""Excel round trip of the catalogue (openpyxl): ``catalogue_export`` and ``catalogue_import``."""

from govhall.catalog.excel.export import catalogue_export
from govhall.catalog.excel.importer import ImportReport, catalogue_import

__all__ = ["ImportReport", "catalogue_export", "catalogue_import"]
