"""A function whose module fails while it is imported (Lambda's init phase)."""

raise RuntimeError("DATABASE_URL is not set")


def handler(event, context):  # never reached
    return None
