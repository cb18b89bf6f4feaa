"""Benchmarks of OpenNRM against a real server. Not tests: run them by hand (bench/README.md)."""
