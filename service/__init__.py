"""The HTTP service: the API under ``/v1`` and the planners' dashboard at ``/``.

Build it with :func:`service.app.create_app`, run it with :func:`service.app.serve` (what
``ennakointi serve`` and ``python -m service`` call). See ``docs/API.md``.
"""
