"""The API's routers, one module per resource (STYLE.md §2.2)."""
