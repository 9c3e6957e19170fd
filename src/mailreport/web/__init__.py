"""The report pages: Jinja2 shells, ES-module scripts and the vendored ECharts.
``install_pages(app)`` adds them to the API's FastAPI app."""
