import json

from .conftest import run_manage

# Runs with the production REST_FRAMEWORK settings (the test settings turn
# throttling off) and prints the status of each request in turn.
THROTTLE_PROBE = """
import json

import django

django.setup()

from django.test import Client, override_settings

client = Client(SERVER_NAME="127.0.0.1")
with override_settings(ROOT_URLCONF="ravoos_pansy.tests.urls"):
    answers = [
        client.get("/api/test/checkout-scoped/", secure=True)
        for _ in range(3)
    ]
print(json.dumps([[a.status_code, a.get("Retry-After")] for a in answers]))
"""


def test_a_view_naming_a_throttle_scope_is_limited_by_its_setting(production_env):
    env = {**production_env, "THROTTLE_CHECKOUT": "2/min"}

    result = run_manage("shell", "-c", THROTTLE_PROBE, env=env)

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == [[200, None], [200, None], [429, "60"]]
