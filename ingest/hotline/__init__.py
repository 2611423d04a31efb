"""12345 hotline work-order exports: readers, column mapping and the row importer."""
