"""Every state change of incidents: keyword-only, atomic, audited (history + timeline).

One module per topic; import from the module (`from incidents.services import timeline`,
then `timeline.timeline_append(...)`):

- `lifecycle`: open an incident, change its facts (`incident_update`), correct its times,
  and move it through its states (`incident_triage` ... `incident_close`,
  `incident_transition` dispatches a requested move);
- `timeline`: append and edit timeline entries;
- `postmortem`: the post-mortem (`postmortem_save`, `postmortem_complete`) and its action
  items;
- `alertmanager`: `alert_ingest`, incidents from Alertmanager webhooks;
- `reminders`: the beat tasks' reminders (overdue status updates, post-mortems, action items);
- `references`: `allocate_reference` (INC-YYYY-NNNN);
- `common`: helpers the modules above share (locks, history saves, system timeline entries,
  the SLA impact sync, notifying stakeholders).
"""
