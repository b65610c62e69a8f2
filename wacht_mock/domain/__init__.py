"""The domain: every vendor rule, one module per resource, one function per vendor operation.

Nothing here imports Starlette or knows about HTTP; operations take a ``Deployment`` and typed requests and
either return records or raise ``VendorError``.
"""
