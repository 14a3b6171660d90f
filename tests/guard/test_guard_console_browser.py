"""The approval console driven in a real headless Chromium (Playwright's Python driver, the system's
/usr/bin/chromium; ``playwright install`` is never run). What it drives, as a person would:

* sign-in with a wrong TOTP code (refused, error shown), then with the right one computed here;
* the session cookie's flags as the browser stored them (HttpOnly, SameSite=Strict);
* a pending ask made through the decision service's ``/v1/decide`` shown on the pending page (screenshot);
* the request page (full call JSON, rule), approve with a reason, the second confirmation screen showing the
  exact call, confirm; the exact call then passes once and a second identical call asks again;
* a form submitted with its CSRF field removed, and a POST from the page's own context without a token: both 403;
* two approvers in two browser contexts on a call needing two: the first approval keeps it pending and hides the
  approve button from the same person, the second (distinct) approver's approval lets it through once.

Skips cleanly when Chromium or the playwright package is missing (CI: ``apt-get install -y chromium`` and
``pip install playwright==1.65.2``, a dev extra), unless ``CLAWFENCE_REQUIRE_BROWSER=1``, which makes it fail.
Set ``CLAWFENCE_CONSOLE_SHOT=/path.png`` to keep the pending-page screenshot.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from console_kit import Rig, start_rig

CHROMIUM = os.environ.get("CLAWFENCE_CHROMIUM", "/usr/bin/chromium")
_REQUIRED = os.environ.get("CLAWFENCE_REQUIRE_BROWSER") == "1"  # CI with chromium installed: fail, do not skip
try:
    import playwright.sync_api as pw
except ImportError:
    if _REQUIRED:
        raise
    pytest.skip("playwright (pip) not installed", allow_module_level=True)
if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
    if _REQUIRED:
        raise RuntimeError(f"CLAWFENCE_REQUIRE_BROWSER=1 but no chromium at {CHROMIUM}")
    pytest.skip("chromium not installed (apt-get install -y chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESTROY = {"toolName": "exec", "params": {"command": "terraform destroy -auto-approve"}, "agentId": "main",
           "sessionKey": "agent:main:browser"}
CONFIG = {"toolName": "exec", "params": {"command": "openclaw config set logging.level debug"}, "agentId": "main",
          "sessionKey": "agent:main:browser"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = start_rig(tmp_path)
    yield r
    r.close()


def _code(rig: Rig, name: str) -> str:
    secret = rig.store.totp_secret(name)
    assert secret
    return str(pyotp.TOTP(secret).now())


def _login(page: Any, rig: Rig, name: str, code: str) -> Any:
    page.goto(rig.base + "/login")
    page.fill("#name", name)
    page.fill("#code", code)
    with page.expect_navigation() as nav:
        page.click("#signin")
    return nav.value


def test_browser_login_approve_once_and_csrf(browser: Any, rig: Rig, tmp_path: Path) -> None:
    rig.store.enroll("alice")
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    try:
        # wrong code: refused, the error is shown, no session cookie
        totp = pyotp.TOTP(rig.store.totp_secret("alice"))
        valid = {totp.at(time.time() + d) for d in (-30, 0, 30)}
        wrong = next(c for c in (f"{i:06d}" for i in range(0, 1_000_000, 7919)) if c not in valid)
        resp = _login(page, rig, "alice", wrong)
        assert resp.status == 401 and "wrong code" in page.inner_text("#error")
        assert not [c for c in ctx.cookies() if c["name"] == "cf_console"]
        # a pending ask made through the decision service
        d = rig.decide(DESTROY)
        assert d["decision"] == "ask"
        rid = d["approval_id"]
        # right code (computed here)
        _login(page, rig, "alice", _code(rig, "alice"))
        assert page.inner_text("#who") == "alice"
        sess = [c for c in ctx.cookies() if c["name"] == "cf_console"]
        assert sess and sess[0]["httpOnly"] and sess[0]["sameSite"] == "Strict"
        row = page.locator(f'tr.req[data-id="{rid}"]')
        assert "PG025" in row.inner_text() and "terraform destroy" in row.inner_text()
        shot = tmp_path / "pending.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
        if os.environ.get("CLAWFENCE_CONSOLE_SHOT"):
            shutil.copy(shot, os.environ["CLAWFENCE_CONSOLE_SHOT"])
        # the request: full call JSON and rule
        page.click(f'a[href="/r/{rid}"]')
        assert '"command": "terraform destroy -auto-approve"' in page.inner_text("#call")
        assert page.inner_text("#rule") == "PG025"
        # a form posted with its CSRF field removed is refused
        page.fill("#reason", "planned teardown of staging")
        page.eval_on_selector('form[action$="/review"] input[name="csrf"]', "e => e.remove()")
        with page.expect_navigation() as nav:
            page.click("#approve")
        assert nav.value.status == 403
        # a POST from the page's own cookie jar without any token is refused too
        r = ctx.request.post(f"{rig.base}/r/{rid}/review", form={"decision": "approve", "reason": "x"})
        assert r.status == 403
        # approve with a reason -> second confirmation showing the exact call -> confirm
        page.goto(f"{rig.base}/r/{rid}")
        page.fill("#reason", "planned teardown of staging")
        page.click("#approve")
        assert "Confirm: APPROVE" in page.inner_text("#confirm-title")
        assert '"command": "terraform destroy -auto-approve"' in page.inner_text("#call")
        assert page.inner_text("#confirm-reason") == "planned teardown of staging"
        assert rig.store.get(rid).status == "pending"
        page.click("#confirm")
        assert page.inner_text("#status") == "approved"
        assert "approved by alice" in page.inner_text("#flash")
        # the exact call passes once, a second identical call asks again
        assert rig.decide(DESTROY)["decision"] == "allow"
        again = rig.decide(DESTROY)
        assert again["decision"] == "ask" and again["approval_id"] != rid
        # history shows who, the decision and the reason
        page.click('a[href="/history"]')
        hist = page.locator(f'tr.hist[data-id="{rid}"]').inner_text()
        assert "alice approve" in hist and "planned teardown of staging" in hist
    finally:
        ctx.close()


def test_browser_two_distinct_approvers(browser: Any, rig: Rig) -> None:
    for n in ("alice", "bob"):
        rig.store.enroll(n)
    d = rig.decide(CONFIG)
    assert d["decision"] == "ask" and d["approvals_needed"] == 2
    rid = d["approval_id"]
    ca, cb = browser.new_context(), browser.new_context()
    try:
        pa, pb = ca.new_page(), cb.new_page()
        _login(pa, rig, "alice", _code(rig, "alice"))
        pa.goto(f"{rig.base}/r/{rid}")
        assert "debug" in pa.inner_text("#diff")  # the config diff
        pa.fill("#reason", "incident 42 needs debug logs")
        pa.click("#approve")
        assert "1 of 2" in pa.inner_text(".warn")
        pa.click("#confirm")
        assert pa.inner_text("#status") == "pending"
        assert pa.locator("#approve").count() == 0 and "1 more" in pa.inner_text("#waiting")
        assert rig.decide(CONFIG)["decision"] == "ask"  # one of two is not enough
        _login(pb, rig, "bob", _code(rig, "bob"))
        pb.goto(f"{rig.base}/r/{rid}")
        assert "alice" in pb.inner_text("#approvals")
        pb.fill("#reason", "agreed")
        pb.click("#approve")
        pb.click("#confirm")
        assert pb.inner_text("#status") == "approved"
        assert rig.decide(CONFIG)["decision"] == "allow"
        assert rig.decide(CONFIG)["decision"] == "ask"
    finally:
        ca.close()
        cb.close()
