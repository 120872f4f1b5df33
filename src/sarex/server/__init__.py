"""sarex server: one shared, access-controlled service for SAR cases and combined exercises.

Layers inside the package: ``models`` (tables) < ``db`` (engine, migrations) <
``audit``, ``security`` < ``services`` (the only module that calls the planning
and exercise code) < ``workflow`` (use cases on the store) < ``jobs`` < ``api``
(HTTP translation only) < ``cli``.
"""
