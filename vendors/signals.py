"""What the vendor clients tell the rest of the project without importing it (dependencies run one way)."""

from django.dispatch import Signal

# Sent after every HTTP attempt, with `vendor`, `endpoint` (the path, never its query), `outcome` and
# `duration_ms`; nothing secret. The request log (pointsadmin.logging) lists them.
vendor_call_finished = Signal()
