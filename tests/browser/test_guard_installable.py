"""The guard app is installable (issue 3, test 1): Chromium reports no installability errors
and the manifest's icons load. A persistent profile is needed: an ordinary Playwright
context counts as incognito and always reports `in-incognito`."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.support.app import CHROMIUM, CHROMIUM_ARGS
from tests.support.guard_browser import wait_for_service_worker, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_installable_with_no_errors_and_icons_that_load(live_server, playwright_instance, tmp_path):
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 390, "height": 844},
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(live_server.url + "/")
        wait_ready(page)
        wait_for_service_worker(page)

        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors

        parsed = cdp.send("Page.getAppManifest")
        assert parsed["errors"] == [], parsed["errors"]
        manifest = json.loads(parsed["data"])
        assert manifest["lang"] == "sv"
        assert manifest["display"] == "standalone"
        assert manifest["start_url"] == "/" and manifest["scope"] == "/"
        assert manifest["short_name"] == "Nattpatrull"
        assert manifest["theme_color"] == manifest["background_color"] == "#0b0f14"

        purposes = set()
        for icon in manifest["icons"]:
            response = page.request.get(live_server.url + icon["src"])
            assert response.status == 200, icon["src"]
            assert response.headers["content-type"] == "image/png"
            image = Image.open(io.BytesIO(response.body()))
            width, height = (int(n) for n in icon["sizes"].split("x"))
            assert image.size == (width, height), icon["src"]
            purposes.add(icon.get("purpose", "any"))
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes
        assert purposes == {"any", "maskable"}
    finally:
        context.close()
