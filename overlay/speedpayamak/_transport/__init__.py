"""How a request travels, in one folder: the rest of the SDK sees only `SyncHTTP` and
`AsyncHTTP` (an exchange that returns an `Answer` or raises one of the SDK's errors) and
the notes an interrupted send carries.

- `_exchange`: one attempt, on the client's path, within its deadline
- `_wire`: the request as encoded once, and the answer the generated parser reads
- `_httpx`: the SDK's own httpx pool (below `httpx.Client.send`), a caller's client or
  transport
- `_aiohttp`: the aiohttp backend, driven directly
- `_body`: reading an answer within the size cap
- `_deadline`: the total deadline of an attempt
- `_failures`: the one place that reads a transport's exceptions
- `_environment`: proxies and CA certificates, as the environment names them
"""

from ._exchange import AsyncHTTP, SyncHTTP
from ._failures import MAY_BE_SENT_NOTE, NOT_SENT_NOTE
from ._wire import Answer

__all__ = ["MAY_BE_SENT_NOTE", "NOT_SENT_NOTE", "Answer", "AsyncHTTP", "SyncHTTP"]
