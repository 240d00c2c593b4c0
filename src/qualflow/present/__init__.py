"""Presentation: tables, figures, the manuscript draft, notebooks and the front page. Reads result
CSVs only.
"""
