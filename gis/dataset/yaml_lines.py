"""YAML reading that remembers the line of every mapping, for error messages."""

from __future__ import annotations

from pathlib import Path

import yaml


class Record(dict):
    """A YAML mapping that knows the (1-based) line it starts on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Record:
    loader.flatten_mapping(node)
    record = Record(loader.construct_pairs(node, deep=True))
    record.line = node.start_mark.line + 1
    return record


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
