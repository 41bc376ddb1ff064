"""Local emulation of each vendor: what its gateway does before and after a function.

An emulator turns a real HTTP request into the event (or call) the vendor
would deliver, and the function's reply into the HTTP response the vendor
would send, with the vendor's limits and header rules. ``faas-bridge serve``,
``events new``, ``invoke``, ``doctor`` and the tests use them; a deployed
function never imports this package (``tests/test_architecture.py``).

One module per adapter module of :mod:`faas_bridge.platforms`, under the same
name: an emulator and the adapter it feeds are read side by side, a vendor
family that shares an adapter module (Alibaba FC 3.0, FC 2.0 and API Gateway
in ``aliyun``; Tencent SCF and CloudBase in ``tencent``) shares an emulator
module, and the limits the adapters enforce are imported from them, never
written twice.
"""
