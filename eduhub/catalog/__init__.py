"""Organizations, courses, modules and lessons: the shared library of the coalition."""
