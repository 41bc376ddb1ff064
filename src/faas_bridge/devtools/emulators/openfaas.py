"""OpenFaaS and kubeless emulation: the call objects their Python runtimes pass."""
