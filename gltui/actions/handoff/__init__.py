"""The rotation hand-off: rotate or replace a token, write its new value where it is
used, verify it there, and only then let the old token go.

``targets`` (which targets a token has), ``lifetime`` (the successor's expiry),
``writers`` with ``store_command`` and ``local_configs`` (each target kind's prepare,
write and verify), ``flow`` (the orchestration and its result) and ``command`` (the
headless ``gltui rotate`` / ``gltui replace``). The target model itself is pure
domain data: :mod:`gltui.domain.handoff`.
"""
