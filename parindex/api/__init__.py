"""The JSON API (/api/v1/) and the national exchange format.

Layering: this package is the top layer, above analytics. It calls the domain's workflow functions
(``dossiers.workflow``, ``dossiers.moves``), the register's filters (``dossiers.filters``) and the
indicator engine (``parindex.analytics.indicators``), and nothing below imports it: an integration is one more
door to the same functions the screens call, never a second implementation of them.
"""
