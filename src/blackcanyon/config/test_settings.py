"""Settings for the test suite: the normal settings module in the ``test`` profile."""

import os

os.environ["BCT_ENV"] = "test"

from blackcanyon.config.settings import *  # noqa: F403
