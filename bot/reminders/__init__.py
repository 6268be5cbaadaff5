"""Nothing stalls unnoticed (滞留通知), on a budget: reminders, escalation and pings for stalled items.

- approvals.py: pending approval steps past their SLA remind their approvers — one DM per person
  bundling all their stalled items, at most once per interval, only in working hours; after N
  reminders the step escalates (manager, department admin, or skip to the next approver).
- desk.py: unclaimed tickets past their first-response SLA ping the triage channel (one message per
  channel); tickets on hold remind the requester once.
- status.py: what a requester sees: "reminded ×2, escalated to …".

Every message is claimed in `reminder_log` (unique per subject and number) in the transaction that
enqueues it, so however many replicas sweep at once, no reminder goes out twice.
"""
