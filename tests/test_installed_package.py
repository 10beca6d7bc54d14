"""Does a wheel built from this repository, installed into a venv elsewhere, grade a course
that lives elsewhere, with the same scores as the committed gradebook?"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from support import HIDDEN, REPO, grade_rows
from tools.samples import SAMPLE_CLASS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="grading needs bubblewrap"),
]
ASSIGNMENT = "convolutions"
VENV = Path(sys.prefix)
VENV_SITE = Path(sysconfig.get_paths()["purelib"])
# What `pip install -e .` put into the repo's venv: left out, so nothing leads back here.
EDITABLE = ("__editable__", "convgrade-", "__pycache__")


def _link_or_copy(source, destination):
    try:
        os.link(source, destination)
    except OSError:  # another file system: a copy does as well, only slower
        shutil.copy2(source, destination)


def _run(*command, cwd, env, timeout=600):
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel pip builds from the repository (build dependencies from the registry)."""
    folder = tmp_path_factory.mktemp("wheel")
    _run(
        VENV / "bin" / "python",
        *("-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, REPO),
        cwd=folder,
        env=dict(os.environ),
    )
    (built,) = folder.glob("convgrade-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel):
    """A fresh venv outside the repository, with the repo venv's dependencies (hard links)
    and convgrade installed from the wheel. Not under /tmp: the sandbox mounts its own /tmp,
    which would hide a venv there from the student's kernel."""
    base = Path(tempfile.mkdtemp(prefix="convgrade-installed-", dir="/var/tmp"))
    try:
        venv = base / "venv"
        _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base, env=dict(os.environ))
        site = venv / VENV_SITE.relative_to(VENV)
        for entry in VENV_SITE.iterdir():
            if not entry.name.startswith(EDITABLE):
                target = site / entry.name
                if entry.is_dir() and not entry.is_symlink():
                    shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
                else:
                    _link_or_copy(entry, target)
        # Data files of the dependencies: nbconvert's and nbgrader's templates, kernel specs.
        for folder in ("share", "etc"):
            if (VENV / folder).is_dir():
                shutil.copytree(VENV / folder, venv / folder, copy_function=_link_or_copy)
        python = venv / "bin" / "python"
        install = ("-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel)
        _run(python, *install, cwd=base, env=_env(venv))
        yield venv
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _env(venv):
    # The venv's own scripts first; dependencies' scripts (nbgrader calls `alembic`) after.
    path = f"{venv / 'bin'}:{VENV / 'bin'}:{os.environ['PATH']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return dict(env, PATH=path, VIRTUAL_ENV=str(venv))


def test_does_the_wheel_hold_every_module_and_data_file(wheel):
    package = REPO / "convgrade"
    expected = {
        str(p.relative_to(REPO))
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.startswith("convgrade/")}
    assert shipped == expected


def test_is_convgrade_imported_from_the_installed_venv(installed, tmp_path):
    python = installed / "bin" / "python"
    probe = "import convgrade, json; print(json.dumps(convgrade.__file__))"
    found = json.loads(_run(python, "-c", probe, cwd=tmp_path, env=_env(installed)).stdout)
    assert Path(found).is_relative_to(installed), found


def test_is_the_installed_package_hidden_in_the_sandbox(installed, tmp_path):
    """Installed into site-packages, the package (and its reference solution) sits inside a
    folder the sandbox shows: it must be hidden there, and the rest of site-packages not."""
    script = textwrap.dedent(
        """
        import json, subprocess, sys
        import convgrade, numpy
        from convgrade.sandbox.bwrap import Sandbox
        sandbox = Sandbox()
        package, numpy_dir = convgrade.__path__[0], numpy.__path__[0]
        code = f"import json, os; print(json.dumps([os.listdir({package!r}), "
        code += f"'__init__.py' in os.listdir({numpy_dir!r})]))"
        command = sandbox.bwrap_args("/tmp/convgrade/work", env=sandbox.base_env())
        command += [sys.executable, "-I", "-c", code]
        print(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        """
    )
    python = installed / "bin" / "python"
    seen = json.loads(_run(python, "-c", script, cwd=tmp_path, env=_env(installed)).stdout)
    assert seen == [[], True]


def test_does_the_installed_package_grade_a_course_elsewhere(installed, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for part in ("source", "submitted"):
        shutil.copytree(REPO / part, course / part)
    shutil.copy(REPO / "nbgrader_config.py", course)
    # The hidden checks outside the course, found only through the configuration.
    suite = tmp_path / "hidden-checks"
    shutil.copytree(HIDDEN, suite)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.HiddenChecks.hidden_dir = {str(suite)!r}\n")
    env = _env(installed)
    python = installed / "bin" / "python"
    generate = ("-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force")
    _run(python, *generate, cwd=course, env=env)
    graded = _run(installed / "bin" / "convgrade", "grade", "--jobs", "2", cwd=course, env=env)
    assert f"graded {len(SAMPLE_CLASS)}, skipped 0" in graded.stdout, graded.stdout
    assert "no feedback" not in graded.stdout, graded.stdout
    for student in SAMPLE_CLASS:
        ours = [row[:3] for row in grade_rows(course, student)]  # no TA has graded here
        assert ours == [row[:3] for row in grade_rows(REPO, student)], student
        assert (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()
    totals = {s: sum(r[2] or 0 for r in grade_rows(course, s)) for s in ("complete", "untouched")}
    assert totals == {"complete": 24, "untouched": 0}
