"""Drive a browser-like round trip through a real identity provider: follow its redirects and
fill in its sign-in and consent forms with ``requests``, until it sends the person back to this
site, whose pages the Django test client serves."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from tests.sso.conftest import TESTSERVER


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action", ""),
                    "method": attrs.get("method", "get"),
                    "fields": {},
                }
            )
        elif tag in {"input", "button"} and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def first_form(html: str) -> dict:
    parser = _Forms()
    parser.feed(html)
    assert parser.forms, f"no form on the identity provider's page:\n{html[:2000]}"
    return parser.forms[0]


def round_trip(start_url: str, fill: dict, session: requests.Session | None = None) -> dict:
    """Follow the identity provider from ``start_url`` until it redirects or posts back to this
    site; fill each of its forms with ``fill`` (field name -> value). Returns how it came back:
    {"method": "get", "url": ...} or {"method": "post", "url": ..., "data": {...}}."""
    session = session or requests.Session()
    url, method, data = start_url, "get", None
    for _ in range(12):
        if url.startswith(TESTSERVER):
            return {"method": method, "url": url, "data": data}
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "get", None
            continue
        assert response.status_code == 200, (response.status_code, response.text[:2000])
        form = first_form(response.text)
        data = {**form["fields"], **{k: v for k, v in fill.items() if k in form["fields"]}}
        url, method = urljoin(url, form["action"]), form["method"].lower()
    raise AssertionError("the identity provider never sent the person back")
