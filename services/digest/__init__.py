"""The HQ's monthly report: what the digest says (data), its chart, its Excel file, the quarter."""
