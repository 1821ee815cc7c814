"""Incident pages. Every change goes through incidents.services; roles are checked here too.

- `lists`: the incident list and the action-item list, each with its CSV export;
- `incident`: opening an incident, its page, its timeline and the small forms that change it
  (details, severity, commander, transitions, time corrections);
- `postmortem`: the post-mortem page, adding action items and setting their status;
- `common`: who may write, the incident by reference, its URL.
"""
