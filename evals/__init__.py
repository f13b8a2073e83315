"""Evaluations and benchmarks (retrieval, QA, speed). Not part of the unit test run."""
