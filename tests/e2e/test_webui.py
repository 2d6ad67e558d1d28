"""The web UI in headless Chromium against a real `polystyle serve` process.

One server for the module (a models folder with a tiny synthesis model and a tiny
translation model, an API token set), one browser. Needs Debian's `chromium` and
`chromium-driver` and the `selenium` package; Selenium Manager is kept offline (SE_OFFLINE)
and pointed at those binaries, so nothing is downloaded. Screenshots go to the test's tmp
folder and, when POLYSTYLE_ARTIFACTS is set, are copied there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="browser tests need selenium (pip install selenium)")
pytest.importorskip("fastapi", reason="the HTTP server needs fastapi")
pytest.importorskip("polystyle.server.app", reason="polystyle.server is not built in this tree")

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import TINY_TRAIN, toy_pairs, toy_shapes
from tests.e2e.test_train_cli import tiny_model
from tests.integration.test_translation import tiny_translator

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="browser tests need Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver)",
    ),
]

TOKEN = "e2e-secret-token"
WAIT_S = 60
TRAIN_WAIT_S = 240


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`polystyle serve` on a free loopback port, models folder holding the tiny synthesis
    model `toy` and the tiny translation model `toy-pairs`."""
    root = tmp_path_factory.mktemp("webui-server")
    models = root / "models"
    models.mkdir()
    with pytest.MonkeyPatch.context() as patch:  # module scope: the autouse cache is not set yet
        patch.setenv("POLYSTYLE_CACHE_DIR", str(root / "cache"))
        shutil.copytree(tiny_model(root / "train"), models / "toy")
        shutil.copytree(tiny_translator(root / "translate"), models / "toy-pairs")
    port = _free_port()
    env = {
        **os.environ,
        "POLYSTYLE_API_TOKEN": TOKEN,
        "POLYSTYLE_CACHE_DIR": str(root / "cache"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polystyle.cli",
            "serve",
            "--models",
            str(models),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"polystyle serve exited with {process.returncode}:\n"
                    + (root / "server.log").read_text()
                )
            with contextlib.suppress(OSError):
                if _get(f"{base}/v1/models")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("polystyle serve did not answer within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,800",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as patch:
        # Explicit binaries keep Selenium Manager out; SE_OFFLINE makes sure it never
        # downloads a driver or a browser even if it ran.
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    # The viewport itself 1280x800 (the window size includes no browser chrome in headless,
    # but make it exact for the screenshots).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(tmp_path: Path, request: pytest.FixtureRequest, browser: WebDriver) -> Iterator[Path]:
    """Screenshot folder of one test, ending with the page as the test left it (pass or
    fail); copied to $POLYSTYLE_ARTIFACTS/webui when that is set."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    with contextlib.suppress(Exception):
        browser.save_screenshot(str(folder / "99-end.png"))
    target = os.environ.get("POLYSTYLE_ARTIFACTS")
    if target:
        destination = Path(target) / "webui"
        destination.mkdir(parents=True, exist_ok=True)
        for shot in folder.iterdir():
            shutil.copy2(shot, destination / f"{request.node.name}-{shot.name}")


def _open(browser: WebDriver, base: str, token: str | None = TOKEN) -> WebDriverWait:
    """Load the page fresh (empty gallery, token typed in) and wait for the model's styles."""
    browser.get(f"{base}/")
    browser.execute_script("localStorage.clear(); sessionStorage.clear();")
    browser.get(f"{base}/")
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#weight-sliders input")) == 2)
    if token is not None:
        field = browser.find_element(By.ID, "token")
        field.clear()
        field.send_keys(token)
    return wait


def _text(browser: WebDriver, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def _set_range(browser: WebDriver, element_id: str, value: float) -> None:
    """Move a range input as a user's drag would: set the value, fire `input`."""
    browser.execute_script(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id,
        str(value),
    )


def _wait_message(
    browser: WebDriver, element_id: str, *needles: str, timeout: float = WAIT_S
) -> str:
    """Wait until a message box holds one of `needles`; its text."""

    def ready(driver: WebDriver) -> str | bool:
        text = driver.find_element(By.ID, element_id).text
        return text if any(n in text for n in needles) else False

    try:
        return WebDriverWait(browser, timeout).until(ready)
    except TimeoutException as exc:
        raise AssertionError(
            f"#{element_id} never showed {needles}; it shows: {_text(browser, element_id)!r}"
        ) from exc


def _no_page_errors(browser: WebDriver) -> None:
    """No JavaScript exception in the console (failed HTTP answers are expected)."""
    errors = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and entry.get("source") != "network"
    ]
    assert not errors, errors


def test_page_loads_and_generates_a_blend_from_the_weight_sliders(
    server: str, browser: WebDriver, shots: Path
) -> None:
    started = time.monotonic()
    wait = _open(browser, server)
    assert "toy" in Select(browser.find_element(By.ID, "model")).first_selected_option.text
    assert "circle, square" in _text(browser, "model-summary")
    browser.save_screenshot(str(shots / "01-loaded.png"))

    browser.find_element(By.CSS_SELECTOR, 'input[name="gen-source"][value="weights"]').click()
    _set_range(browser, "weight-0", 75)
    _set_range(browser, "weight-1", 25)
    shares = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#weight-sliders output")]
    assert shares == ["75%", "25%"]
    seeds = browser.find_element(By.ID, "gen-seeds")
    seeds.clear()
    seeds.send_keys("0-3")
    browser.find_element(By.ID, "generate-button").click()
    _wait_message(browser, "generate-message", "4 images")
    images = browser.find_elements(By.CSS_SELECTOR, "#generate-images img")
    assert len(images) == 4
    assert all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
    assert "seed 0" in _text(browser, "generate-images")
    browser.save_screenshot(str(shots / "02-blend.png"))

    # The result is in the gallery with the settings that made it, kept across a reload.
    browser.refresh()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#weight-sliders input")) == 2)
    browser.find_element(By.ID, "tab-gallery").click()
    entry = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#gallery li"))
    assert "blend circle 75%, square 25%" in entry.text and "seeds 0-3" in entry.text
    browser.save_screenshot(str(shots / "03-gallery.png"))
    entry.find_element(By.XPATH, ".//button[contains(., 'Use these settings')]").click()
    assert browser.find_element(By.ID, "panel-generate").is_displayed()
    assert browser.find_element(By.ID, "weight-0").get_attribute("value") == "75"
    _no_page_errors(browser)
    print(f"generate test: {time.monotonic() - started:.1f} s")


def test_errors_are_readable_and_the_token_is_the_bearer(
    server: str, browser: WebDriver, shots: Path
) -> None:
    _open(browser, server, token=None)
    seeds = browser.find_element(By.ID, "gen-seeds")
    seeds.clear()
    seeds.send_keys("0-1")
    layers = browser.find_element(By.ID, "gen-layers")
    layers.send_keys("0-1:nosuchstyle")
    browser.find_element(By.ID, "generate-button").click()
    message = _wait_message(browser, "generate-message", "How to fix")
    assert "layers" in message and "nosuchstyle" in message, message
    assert browser.find_element(By.ID, "generate-message").get_attribute("role") == "alert"
    browser.save_screenshot(str(shots / "01-error.png"))
    layers.clear()
    # Enter in a text field submits the form: the keyboard alone can generate.
    seeds.send_keys(Keys.ENTER)
    _wait_message(browser, "generate-message", "2 images")

    # Explain needs the token on this server: without it, a readable 401.
    browser.find_element(By.ID, "tab-model").click()
    browser.find_element(By.ID, "explain-button").click()
    message = _wait_message(browser, "explain-message", "How to fix")
    assert "needs the server's API token" in message and "“API token” field" in message, message
    browser.save_screenshot(str(shots / "02-no-token.png"))

    # With the token typed in, explain runs and its directions become sliders in Generate.
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.ID, "explain-button").click()
    _wait_message(browser, "explain-message", "Explain report ready", "How to fix")
    assert "ready" in _text(browser, "explain-message"), _text(browser, "explain-message")
    figures = browser.find_elements(By.CSS_SELECTOR, "#explain-images img")
    assert len(figures) >= 3
    browser.save_screenshot(str(shots / "03-explain.png"))
    browser.find_element(By.ID, "tab-generate").click()
    browser.find_element(By.CSS_SELECTOR, "#directions summary").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#direction-sliders input[type=range]")
    _set_range(browser, "direction-0", 2)
    browser.find_element(By.ID, "generate-button").click()
    _wait_message(browser, "generate-message", "2 images")
    browser.save_screenshot(str(shots / "04-direction.png"))
    _no_page_errors(browser)


def test_a_prompt_shows_its_weights_and_a_reference_image_sets_the_style(
    server: str, browser: WebDriver, shots: Path, tmp_path: Path
) -> None:
    _open(browser, server)
    browser.find_element(By.CSS_SELECTOR, 'input[name="gen-source"][value="prompt"]').click()
    browser.find_element(By.ID, "gen-prompt").send_keys("round filled shapes")
    browser.find_element(By.ID, "generate-button").click()
    _wait_message(browser, "generate-message", "8 images", "How to fix")
    rows = browser.find_elements(By.CSS_SELECTOR, "#prompt-result tbody tr")
    assert sorted(r.find_element(By.TAG_NAME, "td").text for r in rows) == ["circle", "square"]
    assert all("%" in r.text for r in rows)  # the weight, and a similarity beside it
    browser.save_screenshot(str(shots / "01-prompt.png"))

    reference = toy_shapes(tmp_path / "toy", per_style=1) / "square" / "000.png"
    browser.find_element(By.CSS_SELECTOR, 'input[name="gen-source"][value="reference"]').click()
    browser.find_element(By.ID, "gen-reference").send_keys(str(reference))
    browser.find_element(By.ID, "generate-button").click()
    _wait_message(browser, "generate-message", "8 images", "How to fix")
    assert "8 images" in _text(browser, "generate-message")
    assert not browser.find_element(By.ID, "prompt-result").is_displayed()
    browser.save_screenshot(str(shots / "02-reference.png"))
    _no_page_errors(browser)


def test_interpolate_shows_an_animation(server: str, browser: WebDriver, shots: Path) -> None:
    _open(browser, server)
    browser.find_element(By.ID, "tab-interpolate").click()
    browser.find_element(By.CSS_SELECTOR, 'input[name="interp-path"][value="styles"]').click()
    frames = browser.find_element(By.ID, "interp-frames")
    frames.send_keys("6")
    browser.find_element(By.ID, "interpolate-button").click()
    _wait_message(browser, "interpolate-message", "Animation (")
    gif = browser.find_element(By.ID, "interpolate-gif")
    assert gif.get_attribute("src").startswith("data:image/gif")
    assert browser.execute_script("return arguments[0].naturalWidth", gif) > 0
    browser.save_screenshot(str(shots / "01-animation.png"))
    _no_page_errors(browser)


def test_transfer_restyles_an_uploaded_image_and_keeps_it_in_the_gallery(
    server: str, browser: WebDriver, shots: Path, tmp_path: Path
) -> None:
    wait = _open(browser, server)
    image = toy_pairs(tmp_path / "pairs", stems=1) / "solid" / "000.png"
    browser.find_element(By.ID, "tab-transfer").click()
    wait.until(lambda d: Select(d.find_element(By.ID, "transfer-style")).options)
    assert Select(browser.find_element(By.ID, "transfer-model")).first_selected_option.text == (
        "toy-pairs"
    )
    assert "outline, solid" in _text(browser, "transfer-model-help")
    # Not a glyph model: text input is offered only by models with a built-in font style.
    text = browser.find_element(By.CSS_SELECTOR, 'input[name="transfer-source"][value="text"]')
    assert not text.is_enabled()
    browser.find_element(By.ID, "transfer-image").send_keys(str(image))
    Select(browser.find_element(By.ID, "transfer-style")).select_by_value("outline")
    _set_range(browser, "transfer-strength", 0.75)
    assert _text(browser, "transfer-strength-value") == "0.75"
    seeds = browser.find_element(By.ID, "transfer-seeds")
    seeds.clear()
    seeds.send_keys("0-1")
    browser.find_element(By.ID, "transfer-button").click()
    message = _wait_message(browser, "transfer-message", "2 images", "How to fix")
    assert "Target: outline 100%" in message, message
    images = browser.find_elements(By.CSS_SELECTOR, "#transfer-images img")
    assert len(images) == 2
    assert all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
    browser.save_screenshot(str(shots / "01-transfer.png"))

    browser.find_element(By.ID, "tab-gallery").click()
    entry = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#gallery li"))
    assert "Transferred images from toy-pairs" in entry.text
    assert "image 000.png" in entry.text and "strength 0.75" in entry.text, entry.text
    browser.save_screenshot(str(shots / "02-gallery.png"))
    entry.find_element(By.XPATH, ".//button[contains(., 'Use these settings')]").click()
    assert browser.find_element(By.ID, "panel-transfer").is_displayed()
    assert browser.find_element(By.ID, "transfer-strength").get_attribute("value") == "0.75"
    assert "000.png" in _text(browser, "transfer-message")
    _no_page_errors(browser)


def test_transfer_errors_name_the_problem(
    server: str, browser: WebDriver, shots: Path, tmp_path: Path
) -> None:
    _open(browser, server)
    fake = tmp_path / "notes.png"
    fake.write_text("not an image")
    browser.find_element(By.ID, "tab-transfer").click()
    browser.find_element(By.ID, "transfer-image").send_keys(str(fake))
    browser.find_element(By.ID, "transfer-button").click()
    message = _wait_message(browser, "transfer-message", "How to fix")
    assert "not a readable image" in message, message
    assert browser.find_element(By.ID, "transfer-message").get_attribute("role") == "alert"
    browser.save_screenshot(str(shots / "01-not-an-image.png"))
    # The translation model at the top: Generate says where it belongs.
    Select(browser.find_element(By.ID, "model")).select_by_value("toy-pairs")
    browser.find_element(By.ID, "tab-generate").click()
    _wait_message(browser, "generate-message", "translation model")
    _no_page_errors(browser)


def _zip_of_styles(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*.png")):
            archive.write(path, path.relative_to(folder).as_posix())
    return out


def _fill_training_form(browser: WebDriver, archive: Path, kimg: str) -> None:
    """The Train tab set to an uploaded zip, preset cpu-32, a kimg budget, tiny overrides."""
    browser.find_element(By.ID, "tab-train").click()
    browser.find_element(By.CSS_SELECTOR, 'input[name="train-dataset"][value="upload"]').click()
    browser.find_element(By.ID, "train-zip").send_keys(str(archive))
    Select(browser.find_element(By.ID, "train-preset")).select_by_value("cpu-32")
    Select(browser.find_element(By.ID, "train-budget-kind")).select_by_value("kimg")
    budget = browser.find_element(By.ID, "train-budget")
    budget.clear()
    budget.send_keys(kimg)
    browser.find_element(By.ID, "train-overrides").send_keys("\n".join(TINY_TRAIN))


def test_a_training_job_on_an_uploaded_zip_runs_to_the_end(
    server: str, browser: WebDriver, shots: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    archive = _zip_of_styles(toy_shapes(tmp_path / "toy"), tmp_path / "toy.zip")
    wait = _open(browser, server)
    models_before = len(Select(browser.find_element(By.ID, "model")).options)
    _fill_training_form(browser, archive, "0.04")
    browser.find_element(By.ID, "train-name").send_keys("webui-toy")
    browser.save_screenshot(str(shots / "01-train-form.png"))
    browser.find_element(By.ID, "train-button").click()
    wait.until(lambda d: d.find_element(By.ID, "job").is_displayed())
    message = _wait_message(
        browser, "job-message", "finished", "failed", "How to fix", timeout=TRAIN_WAIT_S
    )
    browser.save_screenshot(str(shots / "02-train-finished.png"))
    assert "finished" in message, message + "\n" + _text(browser, "job-log")
    assert browser.find_element(By.ID, "job-progress").get_attribute("value") == "1"
    sample = browser.find_element(By.ID, "job-sample")
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", sample) > 0)
    # The finished job's model is registered and selectable.
    wait.until(lambda d: len(Select(d.find_element(By.ID, "model")).options) > models_before)
    browser.find_element(By.ID, "job-use-model").click()
    wait.until(lambda d: "webui-toy" in d.find_element(By.ID, "model-summary").text)
    browser.save_screenshot(str(shots / "03-new-model.png"))
    _no_page_errors(browser)
    print(f"train test: {time.monotonic() - started:.1f} s")


def test_an_evaluation_job_puts_metrics_on_the_model_tab(
    server: str, browser: WebDriver, shots: Path
) -> None:
    _open(browser, server)
    browser.find_element(By.ID, "tab-train").click()
    n = browser.find_element(By.ID, "eval-n")
    n.clear()
    n.send_keys("16")
    browser.find_element(By.ID, "eval-metrics").send_keys("style_accuracy,diversity")
    browser.find_element(By.ID, "evaluate-button").click()
    _wait_message(
        browser, "job-message", "evaluation finished", "failed", "How to fix", timeout=TRAIN_WAIT_S
    )
    assert "evaluation finished" in _text(browser, "job-message"), _text(browser, "job-log")
    browser.find_element(By.ID, "tab-model").click()
    summary = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_element(By.ID, "metrics-summary")
    )
    assert "style_accuracy.generated.mean" in summary.text
    assert "diversity.mean" in summary.text
    browser.save_screenshot(str(shots / "01-metrics.png"))
    _no_page_errors(browser)


def test_a_running_job_is_found_again_after_a_reload_and_can_be_cancelled(
    server: str, browser: WebDriver, shots: Path, tmp_path: Path
) -> None:
    archive = _zip_of_styles(toy_shapes(tmp_path / "toy"), tmp_path / "toy.zip")
    _open(browser, server)
    _fill_training_form(browser, archive, "1000")
    browser.find_element(By.ID, "train-button").click()
    wait = WebDriverWait(browser, TRAIN_WAIT_S)
    wait.until(lambda d: "step" in d.find_element(By.ID, "job-detail").text)
    job_title = _text(browser, "job-title")

    # A new visit (the tab remembered nothing) finds the running job again: the Train tab
    # says so, and the job panel follows it.
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    wait.until(lambda d: "running" in d.find_element(By.ID, "job-badge").text)
    browser.find_element(By.ID, "tab-train").click()
    assert job_title.split("(job ")[1] in _text(browser, "job-title")
    wait.until(lambda d: "step" in d.find_element(By.ID, "job-detail").text)
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.ID, "job-cancel").click()
    _wait_message(browser, "job-message", "was cancelled", timeout=TRAIN_WAIT_S)
    assert browser.find_element(By.ID, "job-resume").is_displayed()
    browser.save_screenshot(str(shots / "01-cancelled.png"))
    _no_page_errors(browser)


def test_keyboard_moves_between_tabs(server: str, browser: WebDriver, shots: Path) -> None:
    _open(browser, server)
    tab = browser.find_element(By.ID, "tab-generate")
    tab.click()
    tab.send_keys(Keys.ARROW_RIGHT)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "tab-interpolate"
    assert browser.find_element(By.ID, "panel-interpolate").is_displayed()
    focused.send_keys(Keys.END)
    assert browser.switch_to.active_element.get_attribute("id") == "tab-gallery"
    # Every visible form control has a label a screen reader can read.
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)"
        " && !e.getAttribute('aria-label')).map(e => e.id || e.name);"
    )
    assert unlabelled == []


def test_json_answers_of_the_api_used_by_the_page(server: str) -> None:
    """The few shapes the page relies on, so an API change fails here, not in a browser."""
    status, body = _get(f"{server}/v1/models")
    assert status == 200
    data = json.loads(body)
    models = data if isinstance(data, list) else data["models"]
    assert "toy" in [m["id"] for m in models]
    status, body = _get(f"{server}/v1/models/toy")
    assert status == 200
    assert [s["name"] for s in json.loads(body)["styles"]] == ["circle", "square"]
    kinds = {m["id"]: m["kind"] for m in models}
    assert kinds["toy"] == "synthesis" and kinds["toy-pairs"] == "translation"


def test_the_api_docs_pages_render_with_no_internet(
    server: str, browser: WebDriver, shots: Path
) -> None:
    """/docs and /redoc draw from files the package ships: the headless browser here has no
    internet, so a CDN script would leave the pages blank."""
    for page in ("docs", "redoc"):
        status, body = _get(f"{server}/{page}")
        assert status == 200
        assert "http://" not in body.decode() and "https://" not in body.decode(), page
    browser.get(f"{server}/docs")
    wait = WebDriverWait(browser, WAIT_S)
    title = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title"))
    assert "polystyle" in title.text
    paths = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    assert "/v1/generate" in [p.text for p in paths]
    browser.save_screenshot(str(shots / "01-swagger.png"))
    _no_page_errors(browser)
    browser.get(f"{server}/redoc")
    heading = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".api-info h1"))
    assert "polystyle" in heading.text
    browser.save_screenshot(str(shots / "02-redoc.png"))
    _no_page_errors(browser)
