"""jaxstilts: English intermediate-task training (STILTs) for zero-shot cross-lingual transfer."""

__version__ = "0.1.0"


def _configs_beside_the_package() -> None:
    """The experiment configs live in `configs/` beside the package; an installed wheel holds
    them as `jaxstilts/configs` (setup.py). In a source checkout (editable install, or the
    checkout on the path) `jaxstilts.configs` is that folder, so configs import each other
    (`from jaxstilts.configs.paper.common import paper_config`) as they do when installed."""
    import importlib.util
    import sys
    from pathlib import Path

    package = Path(__file__).resolve().parent
    beside = package.parent / "configs" / "__init__.py"
    if (package / "configs" / "__init__.py").is_file() or not beside.is_file():
        return
    spec = importlib.util.spec_from_file_location(
        "jaxstilts.configs", beside, submodule_search_locations=[str(beside.parent)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["jaxstilts.configs"] = module
    spec.loader.exec_module(module)
    globals()["configs"] = module  # as importing a subpackage sets it on its parent


_configs_beside_the_package()


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
