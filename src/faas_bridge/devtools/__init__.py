"""faas_bridge's development tooling: never imported by a deployed function.

Local emulators of the platforms (``lambda_emulator``: AWS Lambda's Runtime and
Extensions APIs), packaging and deployment files (``package``, ``deploy``) and,
as the layout of the architecture issue lands, the command line and the local
gateway. The runtime side (``faas_bridge`` itself, ``faas_bridge.runtime``)
imports nothing from here; a test checks it.
"""
