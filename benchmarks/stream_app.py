"""The server-sent-events app the runtime-loop benchmark streams (benchmarks/runtime_loop.py).

``GET /sse`` sends ``COUNT`` events ``GAP`` seconds apart (environment
variables, default 5 and 0.1). ``handler`` is it wrapped with
``response_stream`` (a Function URL in RESPONSE_STREAM mode), ``ff_handler``
the same as functions-framework's target, and ``nothing`` the handler the
loop cost is measured with: it returns None, so only the runtime loop works.
"""

import asyncio
import os

from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from faas_bridge import wrap

GAP = float(os.environ.get("GAP", "0.1"))
COUNT = int(os.environ.get("COUNT", "5"))


async def sse(request):
    async def events():
        for n in range(1, COUNT + 1):
            if n > 1:
                await asyncio.sleep(GAP)
            yield f"data: event {n}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


app = Starlette(routes=[Route("/sse", sse)])
handler = wrap(app, response_stream=True)
ff_handler = handler.as_function()


def nothing(event, context):
    return None
