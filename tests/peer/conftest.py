"""Set-up for LangChain's standard suites (``langchain-tests``)."""

import pytest


@pytest.fixture
def benchmark(benchmark):
    """pytest-benchmark's fixture, disabled: the function benchmarked by a standard test (e.g.
    ``test_init_time``) runs once. Timing belongs in ``bench/``, not in the test suite."""
    benchmark.disabled = True
    return benchmark
