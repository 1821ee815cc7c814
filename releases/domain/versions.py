"""Versions and release types, pure.

- **A version has one spelling**: ``v`` + the semantic version (``canonical_version``).
  Input may omit the ``v``, write ``V`` or carry spaces around; ``2.5.0`` and ``v2.5.0`` are
  the same release. Creating and looking up releases go through it.
- **Release type** comes from the previous *final* release of the same product: the
  highest final version (no pre-release part) below the new version's final version.
  Pre-releases never count as the previous release, and a pre-release has the type of its
  final version (``v2.5.0-rc.1`` and ``v2.5.0`` after ``v2.4.3`` are both minor). A
  different major number is a major release, a different minor number a minor release,
  otherwise a patch. The **first release of a product** has nothing to compare with, so
  its type is read from the version's own shape: ``X.0.0`` is major, ``X.Y.0`` minor,
  ``X.Y.Z`` (Z > 0) patch. A new release can change the type of the product's releases
  after it (``retype_after``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field


VERSION_RE = re.compile(
    r"^[vV]?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)


MAJOR, MINOR, PATCH = "major", "minor", "patch"


TYPE_LABELS = {
    MAJOR: "Major Release (breaking changes)",
    MINOR: "Minor Release (new features)",
    PATCH: "Patch Release (bug fixes)",
}


def _pre_key(pre: str) -> tuple:
    """Semantic-versioning precedence of a pre-release (semver.org, rule 11): a release sorts
    after its pre-releases; identifiers compare one by one, numeric ones as numbers and below
    alphanumeric ones, and a shorter list sorts first when the rest is equal
    (1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.2 < 1.0.0-rc.10 < 1.0.0)."""
    if pre == "~":
        return (1,)
    return (0, *((0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")))


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # "~" means no pre-release (a final release). Ordering uses pre_key, not the text.
    pre: str = field(default="~", compare=False)
    pre_key: tuple = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "pre_key", _pre_key(self.pre))

    def __str__(self):
        text = f"v{self.major}.{self.minor}.{self.patch}"
        return text if self.pre == "~" else f"{text}-{self.pre}"

    @property
    def final(self) -> "Version":
        """The final release this version leads to (itself when it is final)."""
        return Version(self.major, self.minor, self.patch)

    @property
    def is_final(self) -> bool:
        return self.pre == "~"


def parse_version(text: str) -> Version:
    """Parse ``v2.5.0`` / ``2.5.0`` / ``2.5.0-rc.1``; ValueError if it is not semantic versioning."""
    match = VERSION_RE.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a semantic version (like v2.5.0).")
    return Version(int(match["major"]), int(match["minor"]), int(match["patch"]), match["pre"] or "~")


def canonical_version(text: str) -> str:
    """The one spelling of a version: ``v`` + the semantic version, e.g. `` V2.5.0-rc.1 `` ->
    ``v2.5.0-rc.1``; ValueError if it is not semantic versioning."""
    stripped = (text or "").strip()
    parse_version(stripped)
    return "v" + (stripped[1:] if stripped[:1] in ("v", "V") else stripped)


def version_spellings(text: str) -> list[str]:
    """The canonical spelling first, then the others stored before versions had one
    (``2.5.0``, ``V2.5.0``): what a lookup by version matches. ValueError if not semver."""
    canonical = canonical_version(text)
    return [canonical, canonical[1:], "V" + canonical[1:]]


def _finals(versions: Iterable[str]) -> list[tuple[Version, str]]:
    """(parsed, text) of the final versions among `versions`, sorted; unparsable ones ignored."""
    finals = []
    for text in versions:
        try:
            parsed = parse_version(text)
        except ValueError:
            continue
        if parsed.is_final:
            finals.append((parsed, text))
    return sorted(finals)


def _previous_in(finals: list[tuple[Version, str]], keys: list[Version], version: Version) -> str | None:
    """The highest of `finals` (sorted; `keys` their parsed versions) below `version`'s final."""
    index = bisect_left(keys, version.final)
    return finals[index - 1][1] if index else None


def previous_version(version: str, others) -> str | None:
    """The previous release of `version` among `others` (version strings, unparsable ones
    ignored): the highest *final* version below `version`'s final version. Pre-releases
    never count, so ``v2.5.0`` follows ``v2.4.3``, not ``v2.5.0-rc.1``."""
    finals = _finals(others)
    return _previous_in(finals, [parsed for parsed, _text in finals], parse_version(version))


def release_type_for(version: str, previous: str | None) -> str:
    """major / minor / patch of `version` against the previous release of its product."""
    new = parse_version(version)
    if previous is None:
        if new.minor == 0 and new.patch == 0:
            return MAJOR
        return MINOR if new.patch == 0 else PATCH
    old = parse_version(previous)
    if new.major != old.major:
        return MAJOR
    if new.minor != old.minor:
        return MINOR
    return PATCH


def release_type_among(version: str, others) -> str:
    """The type of `version` in a product whose releases are `others` (it may be among them)."""
    return release_type_for(version, previous_version(version, others))


def retype_after(version: str, releases: Mapping[Hashable, tuple[str, str]]) -> dict[Hashable, str]:
    """After `version` joined its product (or took its place there): the product's releases
    that come after it whose type is now different, key -> new type.

    `releases`: key -> (version, current type), every release of the product, `version`'s
    own included. One pass: the final versions are sorted once and each later release
    finds its previous one by bisection.
    """
    start = parse_version(version)
    finals = _finals(text for text, _type in releases.values())
    keys = [parsed for parsed, _text in finals]
    changed = {}
    for key, (text, current) in releases.items():
        try:
            parsed = parse_version(text)
        except ValueError:
            continue
        if parsed <= start:
            continue
        wanted = release_type_for(text, _previous_in(finals, keys, parsed))
        if wanted != current:
            changed[key] = wanted
    return changed
