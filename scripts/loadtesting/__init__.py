"""The parts of the load test (scripts/loadtest.py runs them).

- `config`   the settings read from the environment (LOADTEST_*), paths, the action mix, `log`.
- `server`   the database, migrations and gunicorn on a free loopback port.
- `client`   logging in through the login page and the API client with a token.
- `world`    what the run writes to: a service, an incident, changes awaiting approval.
- `users`    one simulated user per thread, and the results they record.
- `checks`   after the run: every accepted write is stored.
- `report`   percentiles and the summary per kind of request.
"""
