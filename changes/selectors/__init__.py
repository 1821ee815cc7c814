"""Reads of the changes app for pages, the API and other apps, one topic per module:

- `detail`: one change with everything its page shows (`change_queryset`, `change_detail`).
- `lists`: the change list (page, CSV export, API) and the CAB agenda.
- `reviews`: emergency changes awaiting (or overdue for) the CAB's review.
- `approvers`: who decides a change, and what waits for a user's decision.
- `conflicts`: what collides with a change's window (other changes, freezes, blackouts).
- `gates`: why a production deployment linked to a change may not run now.
- `catalogue`: the standard-change templates.
- `calendar`: changes, freezes and blackouts of a period, for the calendar and its feed.
"""
