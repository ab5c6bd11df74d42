"""Composite keys that cannot collide.

Ids may contain ``:`` (and other separators), so joining parts with a separator is
ambiguous: user ``t`` with message ``alice:m1`` and user ``t:alice`` with message ``m1``
both joined to ``...:t:alice:m1``. Each part is percent-encoded for the separator and
for ``%`` itself before joining, so the key splits back into exactly its parts.
A part without either character is left as is: keys of ordinary ids are the same as
before the encoding existed, so upgrading changes no stored key but those of ids that
held a separator.
"""

from __future__ import annotations

import re


def _escape(part: str, separator: str) -> str:
    return part.replace("%", "%25").replace(separator, f"%{ord(separator):02X}")


def composite_key(*parts: str, separator: str = ":") -> str:
    """Join ``parts`` with ``separator`` so that different part tuples never give the
    same key (``separator`` must be one character other than ``%``)."""
    if len(separator) != 1 or separator == "%":
        raise ValueError("the separator must be one character other than '%'")
    return separator.join(_escape(part, separator) for part in parts)


def split_key(key: str, *, separator: str = ":") -> list[str]:
    """The parts of a key made by :func:`composite_key` with the same separator."""
    escaped = re.compile(f"%(25|{ord(separator):02X})")
    return [
        escaped.sub(lambda code: chr(int(code.group(1), 16)), part) for part in key.split(separator)
    ]
