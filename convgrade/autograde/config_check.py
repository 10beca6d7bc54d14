"""Refuse to grade with a course config that lost its protections.

If nbgrader_config.py fails to load, nbgrader logs the error and carries on with its
defaults: student code would then run unsandboxed, in the kernel that decides the points.
`make autograde` and `convgrade grade` run this check first.
"""

from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from convgrade.intake import vetting

REQUIRED = {
    "sanitize_preprocessors": ["RequireSandbox", "RepairSubmission"],
    "autograde_preprocessors": [
        "SandboxedExecute",
        "SafeOutputs",
        "HiddenChecks",
        "SaveAutoGrades",
    ],
}


class ConfigProblem(RuntimeError):
    pass


def verify_course_config(path="nbgrader_config.py"):
    """Load the config as nbgrader would and check every protection is wired in.

    Raises ConfigProblem naming what is wrong; returns the loaded config otherwise.
    """
    path = Path(path).resolve()
    vetting.uninstall()  # only this file's own vetting.install() counts
    try:
        config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except Exception as error:
        raise ConfigProblem(
            f"{path} does not load ({type(error).__name__}: {error}); nbgrader "
            "would grade without the sandbox or the hidden checks"
        ) from error
    for trait, names in REQUIRED.items():
        configured = [getattr(p, "__name__", str(p)) for p in config.Autograde.get(trait, [])]
        positions = [configured.index(n) if n in configured else -1 for n in names]
        if -1 in positions:
            missing = [n for n, p in zip(names, positions, strict=True) if p < 0]
            raise ConfigProblem(f"c.Autograde.{trait} lacks {', '.join(missing)}")
        if positions != sorted(positions):
            raise ConfigProblem(f"c.Autograde.{trait} must run {' then '.join(names)} in order")
    if not vetting.installed():
        raise ConfigProblem(
            "nbgrader_config.py must call convgrade.intake.vetting.install(): without it, nbgrader "
            "autograde follows links and opens FIFOs in submission folders"
        )
    exporter = config.Autograde.get("exporter_class")
    if getattr(exporter, "__name__", str(exporter)) != "SubmissionExporter":
        raise ConfigProblem("c.Autograde.exporter_class must be SubmissionExporter")
    _verify_pages(config)
    _verify_time_limits(config)
    return config


def _verify_time_limits(config):
    """The kernel's per-process CPU cap must not cut the submission budget short.

    The hidden checks run in one worker process, so with a lower RLIMIT_CPU a correct but
    slow solution would die of SIGXCPU (reported as a crash) before the budget stops it.
    """
    from convgrade.autograde.hiddenchecks import HiddenChecks
    from convgrade.sandbox.bwrap import Sandbox

    cap = config.Sandbox.get("cpu_seconds", Sandbox.class_traits()["cpu_seconds"].default_value)
    budget = config.HiddenChecks.get(
        "submission_budget", HiddenChecks.class_traits()["submission_budget"].default_value
    )
    if cap < budget:
        raise ConfigProblem(
            f"c.Sandbox.cpu_seconds ({cap:g}) is below c.HiddenChecks.submission_budget "
            f"({budget:g}): the checks' worker would be killed by the kernel as a crash "
            "before the budget stops it"
        )


def _verify_pages(config):
    """Feedback and formgrader pages: allow-listed outputs, cleaned markdown, cleaned body."""
    shown = [getattr(p, "__name__", str(p)) for p in config.HTMLExporter.get("preprocessors", [])]
    if "SafeOutputs" not in shown:
        raise ConfigProblem("c.HTMLExporter.preprocessors must include SafeOutputs")
    for name in ("markdown2html", "highlight_code"):
        wanted = f"convgrade.feedback.safe_html.{name}"
        if config.HTMLExporter.get("filters", {}).get(name) != wanted:
            raise ConfigProblem(f'c.HTMLExporter.filters["{name}"] must be "{wanted}"')
    exporter = config.GenerateFeedback.get("exporter_class")
    if getattr(exporter, "__name__", str(exporter)) != "SafeFeedbackExporter":
        raise ConfigProblem("c.GenerateFeedback.exporter_class must be SafeFeedbackExporter")
