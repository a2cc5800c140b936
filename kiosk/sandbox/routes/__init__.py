"""API route modules, one per resource; each exposes ROUTES = [(method, path, handler)]."""
