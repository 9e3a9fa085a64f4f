"""Is the Hugging Face hub there? Asked once, quickly, so that an offline machine gets one
clear message instead of a minute of retries."""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse


def offline_by_choice() -> bool:
    """HF_HUB_OFFLINE is set: the user said there is no hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


@functools.cache
def _host_answers(host: str, timeout: float) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def hub_available(timeout: float = 3.0) -> bool:
    """False when HF_HUB_OFFLINE is set or the hub's host does not answer one TCP connection
    within `timeout` seconds (checked once per process)."""
    if offline_by_choice():
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    return _host_answers(host or "huggingface.co", timeout)
