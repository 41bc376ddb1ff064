"""``python -m faas_bridge.runtime [module.function]``: run the Lambda runtime loop."""

from faas_bridge.runtime.loop import main

main()
