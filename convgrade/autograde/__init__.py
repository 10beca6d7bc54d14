"""nbgrader's Autograde step, configured: the preprocessors, the exporter, the config check."""
