"""Adapters to the data engines users already run: pandas and Dask (optional extras).

Nothing here is imported by the core.  ``itsm_core.integrations.pandas`` needs
``itsm_core[pandas]``; ``itsm_core.integrations.dask`` needs ``itsm_core[dask]``.  Import
the submodule you need; this package imports neither.

>>> import itsm_core.integrations
>>> itsm_core.integrations.__name__
'itsm_core.integrations'
"""
