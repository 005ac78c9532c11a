"""Commission staff pages: approve institutions, create specialists."""
