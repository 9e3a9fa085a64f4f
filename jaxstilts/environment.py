"""What made a result: one record of the code, libraries, machine and devices, written by every
run (`environment.json`) and every benchmark record alike."""

from __future__ import annotations

import importlib.metadata as md
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from jaxstilts import __version__

LIBRARIES = ("jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "grain", "transformers",
             "torch")


def describe_environment() -> dict:
    """Version and git revision of jaxstilts, library versions, Python, machine, JAX backend,
    device kind and counts, and the time (UTC)."""
    import jax

    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        rev = None
    libs = {}
    for pkg in LIBRARIES:
        try:
            libs[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            libs[pkg] = None
    return {"jaxstilts": __version__, "git_revision": rev, "libraries": libs,
            "python": platform.python_version(), "machine": platform.node(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "backend": jax.default_backend(), "device_kind": jax.devices()[0].device_kind,
            "devices": jax.device_count(), "processes": jax.process_count(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}
