"""YAML that cannot blow up: a safe loader with an alias budget and a nesting limit.

Why: ``yaml.safe_load`` refuses arbitrary objects but not an alias bomb — 613 bytes of
anchors referring to anchors expand to a 351 MB SARIF (the loader shares the nodes;
whoever walks or serializes the result pays for every copy) — nor 5,000 nested
brackets, which end in a ``RecursionError``.  bandit's YAML reports and secscan's
policy and config files are read with :class:`BoundedLoader` instead: an alias may
stand for at most :data:`MAX_ALIAS_NODES` nodes in all, nesting stops at
:data:`MAX_DEPTH`, and an alias inside the collection it names (a cycle, which
PyYAML builds as a recursive object: every walk of it recurses without end) is refused.  Real reports use no aliases at all; a policy may use a few.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

MAX_DEPTH = 100
MAX_ALIAS_NODES = 10_000


class LimitError(yaml.MarkedYAMLError):
    """The document is beyond the loader's budget (a YAMLError, so callers' handling applies)."""


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader refusing alias expansion beyond a budget and nesting beyond a depth."""

    max_depth = MAX_DEPTH
    max_alias_nodes = MAX_ALIAS_NODES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_nodes = 0
        self._open_anchors: set[str] = set()  # anchors of the collections being composed

    if TYPE_CHECKING:  # types-PyYAML leaves the parser's peek_event unannotated (an event of any kind)
        def peek_event(self) -> Any: ...

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise LimitError(None, None, f"the alias *{event.anchor} is inside the node it names "
                                 "(a cycle)", event.start_mark)
            node = self.anchors.get(event.anchor)
            if node is not None:
                remaining = self.max_alias_nodes - self._alias_nodes
                self._alias_nodes += _count(node, remaining + 1)
                if self._alias_nodes > self.max_alias_nodes:
                    raise LimitError(None, None, f"aliases expand to more than {self.max_alias_nodes} nodes "
                                     "(an alias bomb?)", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        event = self.peek_event()
        anchor = event.anchor if isinstance(event, yaml.CollectionStartEvent) else None
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            if self._depth > self.max_depth:
                raise LimitError(None, None, f"nested deeper than {self.max_depth} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)


def _count(node: Any, budget: int) -> int:
    """Nodes under ``node`` counting every alias again, but never more than ``budget``
    (so the count itself is bounded, cycles included)."""
    stack = [node]
    n = 0
    while stack and n < budget:
        item = stack.pop()
        n += 1
        if isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)
        elif isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                stack.append(key)
                stack.append(value)
    return n


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` within the budget; raises a ``yaml.YAMLError`` beyond it."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
