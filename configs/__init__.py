"""Experiment configs, installed with the package as `jaxstilts.configs`: `jaxstilts run tiny`,
`jaxstilts run paper/stilts.py:mnli,xnli`.

Each module defines `get_config(arg=None)` returning an ml_collections ConfigDict. Names resolve
here from any working directory (`jaxstilts.config.resolve_config_path`); a user's own config
file is given by its path and may import from here, e.g.
`from jaxstilts.configs.paper.common import paper_config`.
"""
