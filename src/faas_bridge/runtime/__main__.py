"""``python -m faas_bridge.runtime [module.function]``: run the Lambda runtime loop."""

from .loop import main

main()
