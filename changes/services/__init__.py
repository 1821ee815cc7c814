"""Every state change of a change request: atomic, audited, notifying after commit.

One topic per module:

- `drafts`: create and edit a draft (`change_create`, `change_update`), the standard-change
  template's values, what submission checks.
- `decisions`: submit, approve and reject (`change_submit`, `change_decide`).
- `lifecycle`: schedule, implement, review, close and cancel (`ACTIONS` maps the page's verbs).
- `comments`: comments on a change.
- `reminders`: the CAB's overdue emergency reviews.
- `feed_tokens`: the secret addresses of people's calendar feeds.
- `common`: what they share (row lock, who may act, saving with history).
"""
