"""The web app's string catalogues (static/i18n/{en,ko,ja}.json): the same keys in all three, every key
the page and its scripts use present, and each Korean / Japanese string written in Hangul / Japanese
script (an untranslated English copy would pass a key check but not this one)."""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "src" / "sarex" / "server" / "static"
LANGS = ("en", "ko", "ja")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# keys allowed to hold no Korean or Japanese script (none so far)
SAME: set[str] = set()


def _cat(lang: str) -> dict[str, str]:
    return json.loads((STATIC / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def _used_keys() -> set[str]:
    """Literal keys: data-i18n / data-i18n-label attributes and T("key") calls in the scripts."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n(?:-label)?="([^"]+)"', html))
    for js in STATIC.glob("*.js"):
        keys |= set(re.findall(r'\bT\("([a-z0-9_.-]+)"[,)]', js.read_text(encoding="utf-8")))
    return keys


def test_every_key_in_every_language():
    cats = {lang: _cat(lang) for lang in LANGS}
    assert len(cats["en"]) > 200
    for lang in ("ko", "ja"):
        assert set(cats[lang]) == set(cats["en"]), (lang, set(cats["en"]) ^ set(cats[lang]))
    for lang, cat in cats.items():
        assert all(isinstance(v, str) and v.strip() for v in cat.values()), lang


def test_every_used_key_exists():
    used = _used_keys()
    assert len(used) > 100
    assert used - set(_cat("en")) == set()


def test_placeholders_match():
    en, ph = _cat("en"), re.compile(r"\{(\w+)\}")
    for lang in ("ko", "ja"):
        for k, v in _cat(lang).items():
            assert set(ph.findall(v)) == set(ph.findall(en[k])), (lang, k)


def test_korean_and_japanese_are_written_in_their_script():
    for lang, script in (("ko", HANGUL), ("ja", JAPANESE)):
        cat = _cat(lang)
        latin_only = sorted(k for k, v in cat.items() if not script.search(v) and k not in SAME)
        assert latin_only == [], (lang, latin_only)
