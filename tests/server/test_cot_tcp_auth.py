"""TAK's streaming authentication message as the CoT stream port reads it (no server needed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sarex.server.cot_tcp import parse_auth, pong


def test_parse_auth_reads_tak_auth_message():
    msg = b'<?xml version="1.0"?>\n<auth><cot username="jpn-dd-1" password="tok-123" uid="ANDROID-9"/></auth>'
    assert parse_auth(msg) == ("jpn-dd-1", "tok-123", "ANDROID-9")


@pytest.mark.parametrize("msg", [
    b'<auth><cot username="a" uid="x"/></auth>',  # no password
    b'<auth><cot password="p"/></auth>',  # no user name
    b'<event version="2.0"/></auth>',  # no <auth>
    b'<!DOCTYPE auth [<!ENTITY a "aaaa">]><auth><cot username="&a;" password="p"/></auth>',  # entities are never expanded
    b'<auth><cot username="a" password="p"></auth>',  # not well-formed
    b'<auth><cot username="\xff" password="p"/></auth>',  # not UTF-8
])
def test_parse_auth_refuses_anything_else(msg):
    with pytest.raises((ValueError, ET.ParseError)):
        parse_auth(msg)


def test_pong_is_a_tak_pong():
    ev = ET.fromstring(pong(1770768600.0))
    assert (ev.get("type"), ev.get("time"), ev.get("stale")) == ("t-x-c-t-r", "2026-02-11T00:10:00.000Z", "2026-02-11T00:10:20.000Z")
