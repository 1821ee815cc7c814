"""Data set sizes. Small is the large set at 1/100, same shape."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    teams: int
    services: int
    incidents: int
    timeline_per_incident: int  # on average; plus one incident with `big_timeline` entries
    big_timeline: int
    changes: int
    deployments: int
    releases: int
    years: int = 5
    users: int = 40


SCALES = {
    "large": Scale("large", teams=50, services=500, incidents=100_000, timeline_per_incident=10, big_timeline=1000,
                   changes=50_000, deployments=200_000, releases=2_000),
    "small": Scale("small", teams=5, services=5, incidents=1_000, timeline_per_incident=10, big_timeline=1000,
                   changes=500, deployments=2_000, releases=20),
    # For the regression test of query counts: seconds to seed, same shape.
    "tiny": Scale("tiny", teams=2, services=4, incidents=60, timeline_per_incident=3, big_timeline=30,
                  changes=40, deployments=80, releases=4, years=1, users=6),
}
