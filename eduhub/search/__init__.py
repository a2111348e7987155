"""Full-text search over lessons and courses: documents, the Whoosh index, and the service."""
