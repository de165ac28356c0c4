"""Pages of the use cases (the HTML face of usecases.services and selectors)."""
