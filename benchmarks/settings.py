"""Settings for benchmark servers only: production settings plus the bare baseline endpoints.

Production never loads this module; ``make bench`` starts gunicorn with the production command and
``DJANGO_SETTINGS_MODULE=benchmarks.settings`` so a baseline is served by the same server as the
endpoint it is compared with.
"""

from config.settings import *  # noqa: F403 - same settings as production, one URLconf added

ROOT_URLCONF = "benchmarks.urls"
