import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))   # robotenv, for the test modules here

from robotenv import NETNS_ENV, interfaces  # noqa: E402


@pytest.fixture(scope="session")
def isolated():
    """Only inside the namespace that a ``test_*.py`` started: loopback is the only interface."""
    if os.environ.get(NETNS_ENV) != "1":
        pytest.skip("starts servers only inside the private network namespace that tests/robots/test_*.py "
                    "creates; run those instead")
    assert interfaces() == ["lo"], f"not isolated: interfaces {interfaces()}"
