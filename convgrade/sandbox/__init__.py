"""The bubblewrap sandbox every piece of student code runs in, and its processes."""
