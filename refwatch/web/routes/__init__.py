"""The pages and API of the web app, one module per area.

Every module here whose name does not start with "_" must define `router`, a FastAPI
`APIRouter`; `refwatch.web.app.create_app` includes them all, in name order, and refuses
to start when two modules claim the same method and path.
"""
