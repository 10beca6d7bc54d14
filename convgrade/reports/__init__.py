"""What grading produced, for the instructor: tables, problems and the class page."""
