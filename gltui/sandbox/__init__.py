"""A GitLab-compatible HTTP server for the token API (demo, tests, benchmarks).

It follows GitLab's REST API as documented (the project's reference notes on the
token API, outside this repository): real sockets on 127.0.0.1,
GitLab's status codes, error bodies, pagination headers and date formats, so that
python-gitlab (and any other GitLab client) works against it unchanged.
It is an emulator of GitLab, not of gltui's expectations: nothing in here
imports gltui's domain, so a mistake there cannot hide behind agreement here.
"""
