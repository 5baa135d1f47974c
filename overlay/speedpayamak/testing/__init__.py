"""A stateful in-memory fake of the SpeedPayamak API, for testing code that sends SMS.

    from speedpayamak.testing import Sandbox

    sandbox = Sandbox(api_key="test-key", credit=100, lines=["+9850002"])
    with sandbox.serve() as base_url:
        ...  # point the client at base_url; inspect sandbox.outbox afterwards

It speaks the real wire format and imports neither the generated client nor the SDK core.
"""

from ._faults import Fault, MalformedBody
from ._records import LoggedRequest, Reply, SentMessage
from ._sandbox import Sandbox

__all__ = ["Fault", "LoggedRequest", "MalformedBody", "Reply", "Sandbox", "SentMessage"]
