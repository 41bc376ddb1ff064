"""faas_bridge against the floor and its peers: ``python -m benchmarks``.

Kept free of imports: the cold-start children import ``benchmarks._child``
and must pay for nothing but what they measure.
"""
