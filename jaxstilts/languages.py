"""The XTREME and XTREME-R language lists, in the official evaluation script's order.

One home for both users: the task catalog (which lists each task's languages, sorted) and the
scorer (which reports languages in this order and checks a submission is complete). LAReQA's
languages are XQuAD-R's eleven.
"""

from __future__ import annotations


def _langs(codes: str) -> tuple[str, ...]:
    return tuple(codes.split(","))


_PANX = "ar,he,vi,id,jv,ms,tl,eu,ml,ta,te,af,nl,en,de,el,bn,hi,mr,ur,fa,fr,it,pt,es,bg,ru,ja,ka,ko,th,sw,yo,my,zh,kk,tr,et,fi,hu"  # noqa: E501
_UDPOS = "af,ar,bg,de,el,en,es,et,eu,fa,fi,fr,he,hi,hu,id,it,ja,kk,ko,mr,nl,pt,ru,ta,te,th,tl,tr,ur,vi,yo,zh"  # noqa: E501
_TATOEBA = "ar,he,vi,id,jv,tl,eu,ml,ta,te,af,nl,de,el,bn,hi,mr,ur,fa,fr,it,pt,es,bg,ru,ja,ka,ko,th,sw,zh,kk,tr,et,fi,hu"  # noqa: E501
_XNLI = "ar,bg,de,el,en,es,fr,hi,ru,sw,th,tr,ur,vi,zh"
_XQUAD = "en,es,de,el,ru,tr,ar,vi,th,zh,hi"
_MLQA = "en,es,de,ar,hi,vi,zh"
_TYDIQA = "en,ar,bn,fi,id,ko,ru,sw,te"

LANGUAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "xtreme": {
        "pawsx": _langs("de,en,es,fr,ja,ko,zh"),
        "xnli": _langs(_XNLI),
        "panx": _langs(_PANX),
        "udpos": _langs(_UDPOS),
        "bucc2018": _langs("de,fr,ru,zh"),
        "tatoeba": _langs(_TATOEBA),
        "xquad": _langs(_XQUAD),
        "mlqa": _langs(_MLQA),
        "tydiqa": _langs(_TYDIQA),
    },
    "xtreme-r": {
        "xnli": _langs(_XNLI),
        "xcopa": _langs("et,ht,id,it,qu,sw,ta,th,tr,vi,zh"),
        "udpos": _langs(_UDPOS + ",lt,pl,uk,wo,ro"),
        "panx": _langs(_PANX + ",qu,pl,uk,az,lt,pa,gu,ro"),
        "xquad": _langs(_XQUAD + ",ro"),
        "mlqa": _langs(_MLQA),
        "tydiqa": _langs(_TYDIQA),
        "mewslix": _langs("ar,de,en,es,fa,ja,pl,ro,ta,tr,uk"),
        "lareqa": _langs("ar,de,el,en,es,hi,ru,th,tr,vi,zh"),
        "tatoeba": _langs(_TATOEBA + ",az,lt,pl,uk,ro"),
    },
}


def sorted_languages(benchmark: str, task: str) -> list[str]:
    """A task's languages in alphabetical order (the catalog's order)."""
    return sorted(LANGUAGES[benchmark][task])
