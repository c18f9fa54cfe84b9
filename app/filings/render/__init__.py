"""How a filing becomes a PDF: templates to HTML (pipeline), HTML to PDF/A (pdf, fonts, fetcher),
checks (preflight), and the process pool with its admission gate (pool, gate). What a filing *says*
lives in ``app.filings`` (registry, template_vars, viewmodels); this package only depends on it.
Import from the submodules (``app.filings.render.renderer`` is the facade) so that importing the
package stays cheap."""
