"""Ingest: data files → checked tables and findings.

Reading (CSV in any office encoding, workbooks), the layout of the table (header, title,
unit, total and footnote rows), typed checks of every cell, accident records, consistency
rules and plausibility warnings. Every problem is a :class:`~safeplan.findings.Finding`
at its file, line and column; only "cannot run" raises.
"""
