"""The HTTP layer: the operations table and its handlers, the pipeline, production's framework behaviour
(``axum``, ``serde``), every response body, the control plane and CORS. ``app.create_app`` builds the app.

Deliberately empty of imports: the kit's fault module reads ``responses`` and ``axum`` without loading the app.
"""
