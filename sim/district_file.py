"""Reading a user's district file (``scenario.file=PATH``) safely.

The file is untrusted input: its size is capped before it is read, it must be UTF-8, and the YAML
loader refuses aliases (so no alias-expansion bomb), duplicate keys (which YAML would let the
last one win) and the YAML 1.1 booleans ``yes``/``no``/``on``/``off`` (only ``true`` and ``false``
are booleans; the rest stay text and are refused where a boolean is wanted). Every error is one
:class:`ConfigError` line naming the file and the place within it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.config import ConfigError

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_KEYS = {"name", "subdistricts"}
BOOL_TAG = "tag:yaml.org,2002:bool"


class DistrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no aliases."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(
                f"line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) are not "
                "allowed in a district file; write the values out"
            )
        return super().compose_node(parent, index)


DistrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DistrictLoader.add_implicit_resolver(
    BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Refused(Exception):
    """A problem found while loading, before the file and path are prefixed."""


def load_district(file: str) -> dict[str, Any]:
    """The file's mapping, with ``name`` (default: the file's stem) and ``subdistricts``."""
    path = Path(file)
    if not path.is_file():
        raise ConfigError(f"scenario.file: got {file!r}, allowed: a path to an existing district YAML file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ConfigError(
            f"scenario.file: got {file!r} ({size:,} bytes), allowed: a district file of at "
            f"most {MAX_FILE_BYTES:,} bytes (README, Limits)"
        )
    try:
        data = _load(path.read_bytes())
    except _Refused as err:
        raise ConfigError(f"scenario.file: {file}: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("subdistricts"), dict):
        raise ConfigError(
            f"scenario.file: {file}: got {type(data).__name__}, allowed: a YAML mapping with a "
            "'subdistricts' mapping"
        )
    unknown = sorted(set(data) - FILE_KEYS, key=str)
    if unknown:
        raise ConfigError(
            f"scenario.file: {file}: {unknown[0]}: got {data[unknown[0]]!r}, allowed: keys "
            f"from {sorted(FILE_KEYS)} at the top"
        )
    name = data.get("name", path.stem)
    if not isinstance(name, (str, int)) or isinstance(name, bool):
        raise ConfigError(f"scenario.file: {file}: name: got {name!r}, allowed: a name (text)")
    return {"name": str(name), "subdistricts": data["subdistricts"]}


def _load(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Refused(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); save the file as UTF-8"
        ) from None
    loader = DistrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_duplicates(node, "")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Refused(f"{where}not valid YAML ({err.problem or err.context})") from None
    except yaml.YAMLError as err:
        raise _Refused(f"not valid YAML ({str(err).splitlines()[0]})") from None
    finally:
        loader.dispose()


def _refuse_duplicates(node: yaml.Node, path: str) -> None:
    """Walk the composed document: a key repeated in one mapping is refused, naming its path."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            ident = (key_node.tag, key_node.value) if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            where = f"{path}.{name}" if path else str(name)
            if ident in seen:
                raise _Refused(
                    f"{where}: duplicate key (line {key_node.start_mark.line + 1}), allowed: "
                    "each key once in a mapping"
                )
            seen.add(ident)
            _refuse_duplicates(value_node, where)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _refuse_duplicates(item, f"{path}[{i}]")
