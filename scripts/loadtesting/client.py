"""HTTP clients of the load test: a logged-in browser session, the API with a token."""

import sys

from .config import PASSWORD


def login(base, username):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    page.raise_for_status()
    token = session.cookies.get("csrftoken")
    response = session.post(f"{base}/accounts/login/", data={"username": username, "password": PASSWORD,
                                                             "csrfmiddlewaretoken": token},
                            headers={"Referer": f"{base}/accounts/login/"}, timeout=30, allow_redirects=False)
    if response.status_code != 302 or "sessionid" not in session.cookies:
        sys.exit(f"loadtest: could not log in as {username} (status {response.status_code})")
    return dict(session.cookies)


class Api:
    def __init__(self, base, token):
        import requests

        self.base, self.session = base, requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})

    def post(self, path, data):
        return self.session.post(f"{self.base}{path}", json=data, timeout=30)

    def get(self, path):
        return self.session.get(f"{self.base}{path}", timeout=30)
