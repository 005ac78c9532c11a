"""The open API, `/api/v1`: JSON over the same services the web pages use."""
