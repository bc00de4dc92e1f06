"""map.html and report.html in a real headless Chromium, offline, driven over the DevTools pipe.

Chromium (Debian ``chromium``, installed by ``.ci/run``) is started with
``--remote-debugging-pipe`` (commands on fd 3, replies on fd 4, NUL-separated
JSON: no extra package needed), the network emulated offline, a dead proxy
and a resolver that maps every host to nothing. Each page is opened from disk
(``file://``) and checked for: no console errors or exceptions, no request
other than ``file:``/``data:``/``blob:``, a screenshot that is not blank and
shows the risk colours, and escaped user strings (an ``<img onerror>`` village
name and a ``<script>`` enterprise name appear as text and run nothing, also
in hover popups).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _webmap_fixtures import X0, XSS_ENTERPRISE, XSS_VILLAGE, Y0, layers, result, study_area

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (Debian chromium)"),
]

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--window-size=1400,1000", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic", "--disable-extensions", "--disable-default-apps",
    "--no-default-browser-check", "--mute-audio",
)

#: Collect the text of the document, descending into shadow roots (Bokeh widgets, tooltips).
ALL_TEXT_JS = """(() => {
  let s = "";
  const walk = (n) => {
    if (n.shadowRoot) walk(n.shadowRoot);
    for (const c of n.childNodes) { if (c.nodeType === 3) s += c.nodeValue; else walk(c); }
  };
  walk(document.documentElement);
  return s;
})()"""

#: Every element (also in shadow roots) with an inline event handler or an <img>/<script>
#: that is not Bokeh's own.
INJECTED_JS = """(() => {
  const out = [];
  const walk = (n) => {
    if (n.shadowRoot) walk(n.shadowRoot);
    for (const c of n.children || []) {
      if (c.tagName === "IMG" && c.getAttribute("src") === "x") out.push("img src=x");
      for (const a of c.attributes || []) { if (a.name.startsWith("on")) out.push(a.name); }
      walk(c);
    }
  };
  walk(document.documentElement);
  return out;
})()"""


class Chromium:
    """A headless Chromium driven over ``--remote-debugging-pipe``."""

    def __init__(self, profile: Path) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()
        # child ends moved to fds >= 10, then bash maps them onto 3 and 4
        # (no preexec_fn, so this is safe in threaded test runners)
        hi_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(out_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(out_w)
        args = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                "about:blank"]
        redirect = f'exec "$0" "$@" 3<&{hi_r} 4>&{hi_w} {hi_r}<&- {hi_w}>&-'
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", redirect, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(hi_r, hi_w),
        )
        os.close(hi_r)
        os.close(hi_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        try:
            targets = self.call("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                     flatten=True)["sessionId"]
        except BaseException:
            self.close()
            raise

    def _read(self, timeout: float) -> dict[str, Any] | None:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._out_r], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self._out_r, 1 << 20)
            if not chunk:
                msg = "chromium closed the DevTools pipe"
                raise RuntimeError(msg)
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: bool = False, timeout: float = 60.0,
             **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            reply = self._read(max(0.05, end - time.monotonic()))
            if reply is None:
                break
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        msg_ = f"no reply to {method} within {timeout} s"
        raise TimeoutError(msg_)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.call(method, session=True, **params)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ev = self._read(left)
            if ev is not None:
                self.events.append(ev)

    def wait_for(self, js: str, timeout: float = 60.0) -> Any:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.eval(js)
            if value:
                return value
            self.pump(0.2)
        msg = f"timed out waiting for {js}"
        raise TimeoutError(msg)

    def eval(self, js: str) -> Any:
        r = self.page("Runtime.evaluate", expression=js, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{js[:60]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, url: str) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.page(f"{domain}.enable")
        self.page("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)
        self.page("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def screenshot(self) -> np.ndarray:
        from PIL import Image

        data = self.page("Page.captureScreenshot", format="png")["data"]
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))

    def mouse(self, x: float, y: float) -> None:
        self.page("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)

    def problems(self) -> tuple[list[str], list[str]]:
        """Console errors/exceptions, and requests to anything but file:/data:/blob:."""
        errors, requests = [], []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(json.dumps(p["exceptionDetails"])[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description")))
                                       for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("file:", "data:", "blob:", "about:")):
                    requests.append(url)
            elif m == "Network.loadingFailed":
                requests.append(f"failed: {p.get('errorText')} {p.get('requestId')}")
        return errors, requests

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._out_r)


@pytest.fixture
def browser(tmp_path):
    b = Chromium(tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def _near(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 14) -> float:
    """Share of pixels within ``tol`` of a colour on every channel."""
    return float((np.abs(img.astype(int) - np.array(rgb)).max(axis=2) <= tol).mean())


def _blend(hex_colour: str, alpha: float) -> tuple[int, int, int]:
    c = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(alpha * v + (1 - alpha) * 255) for v in c)  # type: ignore[return-value]


#: Data → page coordinates through the plot view's scales (BokehJS 3 API).
TO_PAGE_JS = """((x, y) => {
  const views = [];
  const walk = (v) => { views.push(v); for (const c of v.child_views ?? []) walk(c); };
  for (const v of Object.values(Bokeh.index)) walk(v);
  const pv = views.find((v) => v.model.type === "Figure" || v.model.type === "Plot");
  const rect = pv.canvas_view.el.getBoundingClientRect();
  return [rect.left + pv.frame.x_scale.compute(x), rect.top + pv.frame.y_scale.compute(y)];
})"""


def test_map_offline_drawn_escaped(browser, tmp_path) -> None:
    from gistool.webmap import write_webmap

    lay = layers()
    xss_township = '<svg onload="document.title=\'pwned\'"></svg>'
    towns = lay["townships"].assign(name=[xss_township, "大周镇"])
    path = write_webmap(result(), tmp_path / "map.html", data=study_area(),
                        network={"isochrones": lay["isochrones"],
                                 "affected_roads": lay["cut_roads"]}, townships=towns)
    browser.open(path.as_uri())
    browser.wait_for("window.Bokeh && Bokeh.documents.length > 0 && "
                     "Object.keys(Bokeh.index).length > 0 && Bokeh.documents[0].is_idle")
    browser.pump(1.0)
    title = browser.eval("document.title")
    assert title == "测试县风险评估交互地图"
    assert xss_township in browser.eval(ALL_TEXT_JS)  # the zoom Select shows it as text
    img = browser.screenshot()
    non_white = float((img.min(axis=2) < 245).mean())
    assert non_white > 0.15
    # the risk colours are drawn: high (red) and low (green) zones at alpha 0.65
    assert _near(img, _blend("#d7191c", 0.65)) > 0.01
    assert _near(img, _blend("#1a9641", 0.65)) > 0.01
    # every layer on (the checkbox toggles run their CustomJS), then hover the XSS village
    browser.eval("""(() => {
      const doc = Bokeh.documents[0];
      const cb = [...doc._all_models.values()].find((m) => m.type === "CheckboxGroup");
      cb.active = cb.labels.map((_, i) => i);
    })()""")
    browser.pump(0.5)
    for (x, y), name in (((X0 + 2300, Y0 + 2600), XSS_VILLAGE),
                         ((X0 + 7000, Y0 + 1000), XSS_ENTERPRISE)):
        assert name not in browser.eval(ALL_TEXT_JS)
        px, py = browser.eval(f"{TO_PAGE_JS}({x}, {y})")
        for _ in range(10):  # the popup shows the name as text (retry on a slow machine)
            browser.mouse(px + 3, py + 3)
            browser.pump(0.2)
            browser.mouse(px, py)
            browser.pump(0.5)
            if name in browser.eval(ALL_TEXT_JS):
                break
        assert name in browser.eval(ALL_TEXT_JS)
    assert browser.eval("document.title") == title
    assert browser.eval(INJECTED_JS) == []
    # zoom to a township via the Select
    before = browser.eval(
        "(() => { const d = Bokeh.documents[0];"
        " const p = [...d._all_models.values()].find((m) => m.type === 'Figure');"
        " return [p.x_range.start, p.x_range.end]; })()")
    browser.eval(
        "(() => { const d = Bokeh.documents[0];"
        " const s = [...d._all_models.values()].find((m) => m.type === 'Select');"
        " s.value = s.options[2][0]; })()")
    browser.pump(0.5)
    after = browser.eval(
        "(() => { const d = Bokeh.documents[0];"
        " const p = [...d._all_models.values()].find((m) => m.type === 'Figure');"
        " return [p.x_range.start, p.x_range.end]; })()")
    assert after != before
    assert after[0] < X0 + 6000 < after[1]  # 大周镇 spans x = X0+4000 … X0+8000
    assert after[0] > X0 + 2000
    errors, requests = browser.problems()
    assert errors == []
    assert requests == []


def test_report_offline_drawn_escaped(browser, tmp_path) -> None:
    from matplotlib.figure import Figure

    from gistool.report import write_report

    fig = Figure(figsize=(6, 4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.fill([0, 1, 1, 0], [0, 0, 1, 1], color="#d7191c")
    ax.fill([1, 2, 2, 1], [0, 0, 1, 1], color="#1a9641")
    ax.set_axis_off()
    path = write_report(result(), tmp_path / "report.html", data=study_area(),
                        maps={"risk_zoning": fig})
    browser.open(path.as_uri())
    browser.pump(1.0)
    title = browser.eval("document.title")
    assert title == "测试县自然灾害与安全生产风险评估报告"
    text = browser.eval("document.body.innerText")
    assert XSS_VILLAGE in text
    assert XSS_ENTERPRISE in text
    assert browser.eval(INJECTED_JS) == []
    # the embedded CJK subset is a real face of the page that loads
    assert browser.eval("document.fonts.load('16px \"gistool CJK\"', '风险')"
                        ".then((faces) => faces.length)") == 1
    # the embedded map image decoded
    assert browser.eval("[...document.images].every((i) => i.complete && i.naturalWidth > 0)")
    browser.eval("document.getElementById('maps').scrollIntoView()")
    browser.pump(0.5)
    img = browser.screenshot()
    assert float((img.min(axis=2) < 245).mean()) > 0.05
    assert _near(img, (0xD7, 0x19, 0x1C), 20) > 0.01
    assert _near(img, (0x1A, 0x96, 0x41), 20) > 0.01
    errors, requests = browser.problems()
    assert errors == []
    assert requests == []
