"""The HTTP API (`polystyle serve`): model registry, generation, explanations and training jobs.

`polystyle.server.app.create_app(ServerSettings(...))` builds the FastAPI application. This
package file imports nothing on purpose: a job process starts as `python -m
polystyle.server.worker`, and it should not pay for FastAPI to run the training CLI.
"""
