"""Vet a submission folder before any grader reads it."""
