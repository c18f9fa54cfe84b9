"""The family page: server-rendered English/Spanish pages on the portal's consented view (docs/family-page.md)."""
