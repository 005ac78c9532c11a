"""Documents (企业材料): files a firm attaches to its profile or an application, checked by
content, kept in blob storage under their digest, and requests for missing ones."""
