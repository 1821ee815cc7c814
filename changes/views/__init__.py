"""The pages of the changes app, one topic per module:

- `lists`: the change list and its CSV export.
- `agenda`: the CAB agenda and deciding a change (from the agenda's rows or the change page).
- `editing`: the request form (new, edit, the as-you-type check).
- `detail`: the change page, its actions and comments.
- `catalogue`: the standard-change templates.
- `calendar`: the change calendar and its iCalendar feed.
"""
