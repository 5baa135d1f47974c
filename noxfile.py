"""Build, check and test sessions. `nox` alone runs what CI runs."""

from __future__ import annotations

import filecmp
import html
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
GENERATED = ROOT / "generated" / "speedpayamak_api"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

# The generator and the ruff its post-hooks run are pinned exactly: 0.x releases of the
# generator change its output, and ruff's fixes change the text. Bump deliberately:
# bump, `nox -s generate`, review the diff.
GENERATOR = ["openapi-python-client==0.29.1", "ruff==0.17.5"]
RUFF = "ruff==0.17.5"
HANDWRITTEN = ["overlay", "tests", "benchmarks", "noxfile.py"]

nox.options.sessions = [
    "check_generated",
    "lint",
    "typecheck",
    "package",
    "tests",
    "docs",
    "demo",
]
nox.options.reuse_venv = "yes"


def _generate_into(session: nox.Session, parent: Path) -> Path:
    """Generate the client into `parent`/speedpayamak_api and return that folder."""
    target = parent / "speedpayamak_api"
    session.run(
        "openapi-python-client",
        "generate",
        "--path",
        str(ROOT / "openapi.yaml"),
        "--config",
        str(ROOT / "generator-config.yaml"),
        "--meta",
        "none",
        "--output-path",
        str(target),
        "--fail-on-warning",
    )
    # `--meta none` writes no PEP 561 marker; adding it here keeps the drift check exact.
    (target / "py.typed").write_text("")
    return target


def _differences(expected: Path, actual: Path, prefix: str = "") -> list[str]:
    """Every file that differs, is missing or is extra, as paths relative to the roots."""
    ignore = [*filecmp.DEFAULT_IGNORES]
    cmp = filecmp.dircmp(expected, actual, ignore=ignore)
    found = [f"changed: {prefix}{name}" for name in cmp.diff_files]
    found += [f"missing from generated/: {prefix}{name}" for name in cmp.left_only]
    found += [f"not produced by the generator: {prefix}{name}" for name in cmp.right_only]
    found += [f"unreadable: {prefix}{name}" for name in cmp.funny_files]
    for name in cmp.common_dirs:
        found += _differences(expected / name, actual / name, f"{prefix}{name}/")
    # dircmp compares by stat signature first; compare contents to be exact.
    for name in cmp.same_files:
        if (expected / name).read_bytes() != (actual / name).read_bytes():
            found.append(f"changed: {prefix}{name}")
    return found


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/speedpayamak_api from openapi.yaml, replacing it whole."""
    session.install(*GENERATOR)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = _generate_into(session, Path(tmp))
        # A generator run with --overwrite leaves stale top-level files; replace the folder.
        shutil.rmtree(GENERATED, ignore_errors=True)
        GENERATED.parent.mkdir(exist_ok=True)
        shutil.copytree(fresh, GENERATED)


@nox.session
def check_generated(session: nox.Session) -> None:
    """Fail, naming the files, if generated/ is not exactly what openapi.yaml produces."""
    session.install(*GENERATOR)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = _generate_into(session, Path(tmp))
        drift = _differences(fresh, GENERATED)
    if drift:
        session.error(
            "generated/ differs from what `nox -s generate` produces:\n  "
            + "\n  ".join(drift)
            + "\nEdit openapi.yaml or generator-config.yaml, then run `nox -s generate`."
        )
    session.log("generated/ matches openapi.yaml")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff on everything handwritten (generated/ is formatted by the generator's hooks)."""
    session.install(RUFF)
    session.run("ruff", "check", *HANDWRITTEN)
    session.run("ruff", "format", "--check", *HANDWRITTEN)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the generated package, the overlay and the tests; pyright's type
    completeness of the public API."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy", "generated/speedpayamak_api", "overlay/speedpayamak", "tests", "benchmarks")
    # Every public name fully typed for pyright users too: fails below 100%.
    session.run("basedpyright", "--verifytypes", "speedpayamak", "--ignoreexternal")


@nox.session
def package(session: nox.Session) -> None:
    """Build the wheel, check it holds both packages and their py.typed, install and import it."""
    session.install("pip")
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp, ".")
        (wheel,) = Path(tmp).glob("speedpayamak-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
        required = {
            "speedpayamak/__init__.py",
            "speedpayamak/py.typed",
            "speedpayamak_api/__init__.py",
            "speedpayamak_api/client.py",
            "speedpayamak_api/py.typed",
        }
        if missing := required - names:
            session.error(f"the wheel lacks {sorted(missing)}")
        session.install(str(wheel))
    session.run(
        "python",
        "-c",
        "import speedpayamak, speedpayamak_api.client; print(speedpayamak.__version__)",
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against the installed distribution."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


def _site_problems(site: Path) -> list[str]:
    """What a reader of the built site must not meet: a Markdown list rendered as one
    paragraph (no blank line before it), a private name in a public signature or its
    bases, a default shown as a constant's name instead of its value."""
    found = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(site)
        for paragraph in re.findall(r"<p>(.*?)</p>", text, re.DOTALL):
            if re.search(r"(^|\n)(- |\d+\. )", paragraph):
                found.append(f"{name}: a list rendered as a paragraph: {paragraph[:60]!r}")
        blocks = re.findall(r'<div class="doc-signature.*?</div>', text, re.DOTALL)
        blocks += re.findall(r"<p>Bases:.*?</p>", text, re.DOTALL)
        for block in blocks:
            shown = html.unescape(re.sub(r"<[^>]+>", "", block))
            if re.search(r"(?<![\w.])_[A-Za-z]", shown):
                found.append(f"{name}: a private name in {shown.split('(')[0].strip()[:60]}")
            if re.search(r"=\s*[A-Z][A-Z_]{3,}\b", shown):
                found.append(f"{name}: a default shown as a name in {shown[:60]}")
    return found


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, from docs/ and the docstrings, into site/; any warning
    fails, and so does anything `_site_problems` finds in the built pages."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", "site", env={"NO_MKDOCS_2_WARNING": "1"}
    )
    if problems := _site_problems(ROOT / "site"):
        session.error("the built site:\n  " + "\n  ".join(problems))


@nox.session
def demo(session: nox.Session) -> None:
    """The README's run command: the main job against an in-process sandbox."""
    session.install(".")
    session.run("speedpayamak", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """Measure the SDK against its baselines; figures go to benchmarks/results/. Not in CI."""
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "-m", "benchmarks.run", *session.posargs)
