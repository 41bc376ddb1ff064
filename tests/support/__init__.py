"""Helpers shared by the tests: sample events, echo apps, vendor reply readers, servers.

Imported as ``support.<module>`` (pytest puts tests/ on the path; child processes
get it in PYTHONPATH). None of it is a test module, and no test imports another.
"""
