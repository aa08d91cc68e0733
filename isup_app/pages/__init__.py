"""One module per page; each exposes ``ROUTE`` and a ``page`` function."""
