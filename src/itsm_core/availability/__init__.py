"""Availability, SLO and error-budget maths over agreed service time, exactly.

Placeholder created by part B so that the package imports; part A owns this module and
replaces it with the public API.

>>> from itsm_core.availability.ratios import parse_ratio
>>> 1 - parse_ratio("99.9%", "target")
Fraction(1, 1000)
"""
