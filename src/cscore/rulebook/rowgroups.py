"""Keys that a rule wins together (the DMN reading "a row wins").

Under hit policy ``priority`` or ``first`` a rule that loses one of its keys loses all
of its keys of that policy: it must not contribute a stray ``charge`` next to the
``decision`` of the rule that beat it. Keys that some rule sets together are therefore
settled together, as one *row group*: the connected components of "set by one rule".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cscore.rulebook.model import KeySpec

ROW_POLICIES = ("priority", "first")


def row_groups(
    rule_keys: Iterable[Iterable[str]], keys: Mapping[str, KeySpec]
) -> dict[str, frozenset[str]]:
    """Each row-policy key mapped to its group: the keys of its policy that are tied to
    it through rules setting several of them (a key alone is its own group)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, spec in keys.items():
        if spec.hit in ROW_POLICIES:
            parent[key] = key
    for written in rule_keys:
        for policy in ROW_POLICIES:
            tied = [k for k in dict.fromkeys(written) if k in parent and keys[k].hit == policy]
            for other in tied[1:]:
                parent[find(other)] = find(tied[0])
    members: dict[str, set[str]] = {}
    for key in parent:
        members.setdefault(find(key), set()).add(key)
    return {key: frozenset(members[find(key)]) for key in parent}
