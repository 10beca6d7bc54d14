"""Helpers for the browser tests: a throwaway course folder, a JupyterLab server, Chromium.

Everything runs in a temporary copy of the course: the server never sees /work/main itself
and never touches the repository's gradebook.db. Servers and browsers are stopped even when
a test fails.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from support import ARTIFACTS, BIN, REPO

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
COURSE_ITEMS = [
    "nbgrader_config.py",
    "source",
    "release",
    "submitted",
    "autograded",
    "feedback",
    "gradebook.db",
]
# What a student's folder holds besides the notebook.
HELPERS = ["figures.py", "selfcheck.py", "images"]
SERVER_START_TIMEOUT = 90
# JupyterLab user settings for the test server: no news or update checks (the machine is
# offline), and every cell attached to the page so that outputs can be counted.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def make_browser_course(root):
    """Copy the course (config, source, release, the graded sample class) into `root`.

    The sample submissions hold only the notebook; a student's own folder also has the
    helper modules and images from the release, so they are copied next to each notebook.
    """
    root.mkdir(parents=True)
    for name in COURSE_ITEMS:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(
                src, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
            )
        else:
            shutil.copy(src, root / name)
    release = root / "release" / "convolutions"
    for folder in (root / "submitted").glob("*/convolutions"):
        for name in HELPERS:
            src = release / name
            if src.is_dir():
                shutil.copytree(src, folder / name, dirs_exist_ok=True)
            else:
                shutil.copy(src, folder / name)
    for path in root.rglob("*"):  # nbgrader writes autograded/ read-only; the copy must be ours
        path.chmod(path.stat().st_mode | 0o200)
    return root


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A `jupyter lab` process serving one course folder on 127.0.0.1."""

    def __init__(self, root, home):
        self.root = Path(root)
        self.home = Path(home)
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.home / "jupyter.log"
        self.process = None

    def env(self):
        config = self.home / "config"
        settings = self.home / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        config.mkdir(parents=True, exist_ok=True)
        return dict(
            os.environ,
            PATH=f"{BIN}:{os.environ['PATH']}",
            # .venv and system config still load (nbgrader's server extensions); ~/.jupyter
            # does not. The data dir only holds the notebook-signing key; kernels and lab
            # extensions come from .venv.
            JUPYTER_CONFIG_DIR=str(config),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            IPYTHONDIR=str(self.home / "ipython"),
            MPLCONFIGDIR=str(self.home / "matplotlib"),
        )

    def start(self):
        command = [
            str(BIN / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={self.home / 'lab-settings'}",
            f"--LabApp.workspaces_dir={self.home / 'workspaces'}",
        ]
        env = self.env()
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.process.returncode}:\n" + self.log_tail()
                )
            try:
                status = self.api("GET", "/api/status")
                if "started" in status:
                    return self
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"jupyter lab did not answer /api/status in {SERVER_START_TIMEOUT}s:\n"
            + self.log_tail()
        )

    def api(self, method, path, timeout=5):
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def lab_url(self, path, workspace):
        """The JupyterLab URL of a file, in a fresh named workspace (no restored tabs)."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def log_tail(self, lines=60):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        """Shut the server and its kernels down; kill whatever is left of what we started."""
        if self.process is None:
            return
        import psutil

        try:
            tree = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            tree = []
        try:  # the clean way: the server stops its kernels, then exits
            self.api("POST", "/api/shutdown")
        except (OSError, urllib.error.URLError, ValueError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for child in tree:  # kernels run in their own sessions; stop any that outlived it
            try:
                child.kill()
            except psutil.Error:
                pass
        self.log.close()
        self.process = None


def _signal_group(pid, sig):
    try:
        os.killpg(pid, sig)  # the server was started in its own session: pgid == pid
    except ProcessLookupError:
        pass


@contextmanager
def lab_server(root, home, attempts=3):
    """A started LabServer; a free port can be taken between choosing and binding it, so
    starting is retried on a new port."""
    for attempt in range(attempts):
        server = LabServer(root, home)
        try:
            server.start()
            break
        except RuntimeError:
            server.stop()
            if attempt == attempts - 1:
                raise
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium(profile_dir, width=1400, height=1000):
    """A headless Chromium driven by the Debian chromedriver (never selenium-manager)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        raise RuntimeError(
            f"{missing} not installed: run `make system-deps` (Debian packages "
            "chromium and chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir}",
        f"--window-size={width},{height}",
    ]:
        options.add_argument(flag)
    service = Service(
        executable_path=CHROMEDRIVER, log_output=str(Path(profile_dir).parent / "chromedriver.log")
    )
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def screenshot(driver, name):
    """Save a screenshot to tests/artifacts/NAME.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def gif_frame_count(src):
    """The number of frames of a `data:image/gif;base64,...` picture (0 if it is not one)."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    prefix = "data:image/gif;base64,"
    if not src.startswith(prefix):
        return 0
    try:
        with Image.open(io.BytesIO(base64.b64decode(src[len(prefix) :]))) as picture:
            return picture.n_frames if picture.format == "GIF" else 0
    except (ValueError, UnidentifiedImageError):
        return 0


def element_changes(element, pause=0.9, attempts=4):
    """Whether screenshots of a displayed element differ when taken `pause` seconds apart:
    a GIF that plays changes; a still picture, or one the browser does not animate, does not.
    Several tries, so that two shots a whole animation loop apart cannot fool it."""
    before = element.screenshot_as_png
    for _ in range(attempts):
        time.sleep(pause)
        after = element.screenshot_as_png
        if after != before:
            return True
        before = after
    return False
