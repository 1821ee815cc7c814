"""Rules of the change process: pure Python, no ORM, no clock (callers pass `at`).

- Approval: standard needs none (pre-approved template); normal two distinct CAB
  approvals and no rejection; expedited one delivery manager; emergency one on-call
  (implemented first, reviewed by the CAB within 5 days afterwards).
- Lead time from submission to the window's start: normal 5 days, expedited 24 hours.
- Required fields on submission; a rollback plan for normal and expedited changes.
- A standard change is pre-approved only as its template defines it: its implementation,
  rollback and testing plans are the template's, and its services are among the
  template's services when the template names any (`template_deviations`).
- The transition table: (state, action) -> new state.

Topics, one module each:

- `workflow`: states, types, the transition table and its labels, `RuleError`.
- `submission`: what a draft needs before it is submitted (fields, lead time, rollback plan, window).
- `standard`: a standard change departs from its template in nothing but its window.
- `approval`: who decides each type, the quorum, the outcome of the votes.
- `reviews`: the CAB's review of emergency changes, due 5 days after implementation.
- `conflicts`: which other changes, freezes and blackouts collide with a change's window.
"""
