"""The codebook: its document, its change log, and the revision report (rule
``codebook_changes``).
"""
