"""Evaluation: results and the engines of check, gap, explain and classify.

Pure functions of a loaded plan and its checked data (:mod:`safeplan.ingest`): no I/O, no
printing. Each engine returns a report (:mod:`safeplan.evaluate.results`) that renderers
turn into text.
"""
