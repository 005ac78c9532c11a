"""Bulk import of enterprises, institutions, products and historical applications (CSV/XLSX)."""
