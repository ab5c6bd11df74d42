"""The dashboard at / and the API docs are served from the package, with no CDN and a
strict Content-Security-Policy (no database needed: these are static pages)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from hybridmem.service.app import create_app
from tests.conftest import make_settings

STATIC = Path(__file__).resolve().parents[3] / "src/hybridmem/service/dashboard/static"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: static pages need neither the database nor the model.
    app = create_app(make_settings(), background_jobs=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class _Page(HTMLParser):
    """Collects the URLs a page loads and anything that would need 'unsafe-inline'."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # What the page loads (not where its links go).
        if values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if "style" in values:
            self.inline_styles += 1
        if tag == "style":
            self.inline_styles += 1
        self._in_script = tag == "script" and "src" not in values

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


async def test_the_dashboard_is_served_at_the_root_with_a_strict_policy(http):
    response = await http.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = _directives(response)
    assert csp["default-src"] == "default-src 'none'"
    assert csp["script-src"] == "script-src 'self'"
    assert csp["style-src"] == "style-src 'self'"
    assert csp["connect-src"] == "connect-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-cache"
    assert "set-cookie" not in response.headers
    page = _parse(response.text)
    assert page.inline_scripts == 0
    assert page.inline_styles == 0
    assert page.handlers == []
    assert page.urls, "the page loads its scripts and styles"
    assert all(url.startswith("/") and not url.startswith("//") for url in page.urls)


async def test_every_script_and_style_the_dashboard_loads_is_served(http):
    html = (await http.get("/")).text
    pending = list(_parse(html).urls)
    seen: set[str] = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        response = await http.get(url)
        assert response.status_code == 200, url
        assert "content-security-policy" in response.headers, url
        assert response.headers["x-content-type-options"] == "nosniff", url
        if url.endswith(".js"):
            assert "javascript" in response.headers["content-type"], url
            base = url.rsplit("/", 1)[0]
            for spec in re.findall(r'^import .* from "(\.[^"]+)";$', response.text, re.M):
                pending.append(posixpath.normpath(posixpath.join(base, spec)))
            assert "http://" not in response.text or "vendor" in url, url
    assert any("cytoscape" in url for url in seen)


def test_each_vendored_library_ships_with_its_licence():
    vendor = STATIC / "vendor"
    libraries = [path for path in vendor.iterdir() if path.is_dir()]
    assert libraries
    for library in libraries:
        assert (library / "LICENSE").is_file(), library
    assert (vendor / "README.md").is_file()


@pytest.mark.parametrize(
    "path",
    ["/static/nope.js", "/static/", "/static/%2e%2e/__init__.py", "/static/..%2f..%2fapp.py"],
)
async def test_unknown_assets_and_paths_outside_the_static_folder_are_json_404s(http, path):
    response = await http.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_assets_are_revalidated_not_refetched(http):
    first = await http.get("/static/app.css")
    again = await http.get("/static/app.css", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_api_docs_load_nothing_from_another_host(http, path):
    response = await http.get(path)

    assert response.status_code == 200
    urls = _parse(response.text).urls
    assert urls
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
    assert "cdn." not in response.text
    assert "fonts.googleapis" not in response.text


async def test_swagger_ui_keeps_the_password_flow(http):
    spec = (await http.get("/openapi.json")).json()
    flow = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["tokenUrl"] == "/api/auth/login"
    assert (await http.get("/docs/oauth2-redirect")).status_code == 200
