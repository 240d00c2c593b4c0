"""Which files and which REFI-QDA user belong to each coder (config ``coders:`` and
``qda_users:``), parsed once for the workflow, the import and the checks of the config.
"""

from __future__ import annotations

from collections.abc import Mapping

from qualflow.errors import InputError


def coder_files(entry: object, coder: str = "?") -> list[tuple[str, str | None]]:
    """A coder's entry under ``coders:`` in config.yaml as ``[(file, qda_user or None), ...]``.

    The entry is a file name, a ``{file: ..., qda_user: ...}`` mapping (the user under which
    the coder coded in QDA software, e.g. a project exported under someone else's name), or a
    list of either (a coder's work in several files).
    """
    items = entry if isinstance(entry, list) else [entry]
    out: list[tuple[str, str | None]] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append((item, None))
        elif isinstance(item, Mapping) and isinstance(item.get("file"), str) and item["file"]:
            extra = sorted(set(item) - {"file", "qda_user"})
            user = item.get("qda_user")
            if extra or (user is not None and not (isinstance(user, str) and user.strip())):
                raise InputError(
                    "config.yaml",
                    f"coders: {coder}: a file entry takes 'file' and 'qda_user' (a user name "
                    f"or GUID), not {dict(item)!r}",
                )
            out.append((item["file"], user))
        else:
            raise InputError(
                "config.yaml",
                f"coders: {coder}: expected a file name, {{file: ..., qda_user: ...}} or a list "
                f"of them, not {item!r}",
            )
    if not out:
        raise InputError("config.yaml", f"coders: {coder}: no file given")
    return out


def qda_user_map(
    coders: Mapping[str, object], qda_users: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Coder → the QDA user to match in REFI-QDA projects: ``qda_users:`` first, else the
    ``qda_user`` of the coder's file entries, else the coder's own name."""
    out = {}
    for coder, entry in coders.items():
        named = {u for _, u in coder_files(entry, coder) if u is not None}
        if (qda_users or {}).get(coder):
            out[coder] = str(qda_users[coder])
        elif len(named) > 1:
            raise InputError(
                "config.yaml",
                f"coders: {coder}: files name different qda_user values "
                f"({', '.join(sorted(named))}); one coder codes under one user (or set "
                f"qda_users: {{{coder}: ...}})",
            )
        else:
            out[coder] = named.pop() if named else coder
    return out
