"""Test support for cscore users: the pytest plugin that runs ``*.cases.yaml`` files,
and fixtures for plugin authors (``cscore_kernel``, ``make_case``)."""
