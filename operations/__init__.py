"""The operations layer: load rows, ask rules/, change them, write the audit log, flush.

Views and CLI commands own the single commit; nothing here commits.
"""
