"""jaxstilts: English intermediate-task training (STILTs) for zero-shot cross-lingual transfer."""

__version__ = "0.1.0"


def _check_jax_flax() -> None:
    """flax 0.12.8 fails to import under jax 0.11 (`jax.experimental.hijax` lost `HiPrimitive`):
    say which upgrade fixes it instead of letting that error surface from deep inside flax."""
    from importlib.metadata import PackageNotFoundError, version

    def parts(name: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version(name).split("+")[0].split(".")[:3] if p.isdigit())

    try:
        jax_version, flax_version = parts("jax"), parts("flax")
    except (PackageNotFoundError, ValueError):
        return
    if jax_version >= (0, 11) and flax_version < (0, 12, 10):
        raise ImportError(f"jaxstilts: flax {version('flax')} does not work with jax "
                          f"{version('jax')}; pip install 'flax>=0.12.10' (tested pairs: jax "
                          "0.10.2 + flax 0.12.8, jax 0.11.2 + flax 0.12.10)")


_check_jax_flax()
