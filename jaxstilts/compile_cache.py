"""A persistent XLA compilation cache, on by default for the command line.

Each run of a sweep builds its own jitted steps, so without a cache every run (every seed, every
target sharing a shape) compiles the same programs again; JAX's persistent cache keys a compiled
program by its HLO and serves the repeats from disk, within a process and across processes. On
the demo (9 runs) this is most of its CPU time.

`JAXSTILTS_COMPILATION_CACHE` picks the folder (`off` turns it off); JAX's own
`JAX_COMPILATION_CACHE_DIR`, when set, wins.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

ENV = "JAXSTILTS_COMPILATION_CACHE"
DEFAULT = Path("~/.cache/jaxstilts/xla")


def enable_compilation_cache() -> str | None:
    """Turn on the persistent cache (every program, however fast it compiled); the folder used,
    or None when turned off."""
    folder = jax.config.jax_compilation_cache_dir
    if not folder:
        setting = os.environ.get(ENV, str(DEFAULT))
        if setting.lower() in ("off", "0", "none", ""):
            return None
        folder = str(Path(setting).expanduser())
        jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder
