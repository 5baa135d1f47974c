"""Contains all the data models used in inputs/outputs"""

from .bulk_id_data import BulkIdData
from .create_pattern_envelope import CreatePatternEnvelope
from .create_pattern_request import CreatePatternRequest
from .credit_data import CreditData
from .credit_envelope import CreditEnvelope
from .error_data import ErrorData
from .error_envelope import ErrorEnvelope
from .field_error_detail import FieldErrorDetail
from .field_errors import FieldErrors
from .inbox_data import InboxData
from .inbox_envelope import InboxEnvelope
from .inbox_message import InboxMessage
from .message import Message
from .message_data import MessageData
from .message_envelope import MessageEnvelope
from .page_meta import PageMeta
from .pattern import Pattern
from .pattern_data import PatternData
from .pattern_values import PatternValues
from .recipient import Recipient
from .recipients_data import RecipientsData
from .recipients_envelope import RecipientsEnvelope
from .send_pattern_envelope import SendPatternEnvelope
from .send_pattern_request import SendPatternRequest
from .send_sms_envelope import SendSMSEnvelope
from .send_sms_request import SendSMSRequest
from .user import User
from .user_data import UserData
from .user_envelope import UserEnvelope

__all__ = (
    "BulkIdData",
    "CreatePatternEnvelope",
    "CreatePatternRequest",
    "CreditData",
    "CreditEnvelope",
    "ErrorData",
    "ErrorEnvelope",
    "FieldErrorDetail",
    "FieldErrors",
    "InboxData",
    "InboxEnvelope",
    "InboxMessage",
    "Message",
    "MessageData",
    "MessageEnvelope",
    "PageMeta",
    "Pattern",
    "PatternData",
    "PatternValues",
    "Recipient",
    "RecipientsData",
    "RecipientsEnvelope",
    "SendPatternEnvelope",
    "SendPatternRequest",
    "SendSMSEnvelope",
    "SendSMSRequest",
    "User",
    "UserData",
    "UserEnvelope",
)
