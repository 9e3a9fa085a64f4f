"""Which packages the wheel holds: jaxstilts/ and its subpackages, and the experiment configs,
which live in configs/ beside the package (the design card's layout) and install as
`jaxstilts.configs`, so that `jaxstilts run tiny` resolves them from any folder. Everything else
is in pyproject.toml; setup.py only because pyproject's `packages.find` cannot rename a folder."""

from setuptools import find_packages, setup

CONFIGS = [f"jaxstilts.{name}" for name in find_packages(include=["configs", "configs.*"])]
setup(packages=[*find_packages(include=["jaxstilts", "jaxstilts.*"]), *CONFIGS],
      package_dir={"jaxstilts.configs": "configs"})
