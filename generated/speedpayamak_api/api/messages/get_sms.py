from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.message_envelope import MessageEnvelope
from ...types import Response


def _get_kwargs(
    bulk_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/messages/{bulk_id}".format(
            bulk_id=quote(str(bulk_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | MessageEnvelope | None:
    if response.status_code == 200:
        response_200 = MessageEnvelope.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | MessageEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    bulk_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | MessageEnvelope]:
    """Get a sent message's properties.

    Args:
        bulk_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | MessageEnvelope]
    """

    kwargs = _get_kwargs(
        bulk_id=bulk_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    bulk_id: int,
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | MessageEnvelope | None:
    """Get a sent message's properties.

    Args:
        bulk_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | MessageEnvelope
    """

    return sync_detailed(
        bulk_id=bulk_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    bulk_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | MessageEnvelope]:
    """Get a sent message's properties.

    Args:
        bulk_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | MessageEnvelope]
    """

    kwargs = _get_kwargs(
        bulk_id=bulk_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    bulk_id: int,
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | MessageEnvelope | None:
    """Get a sent message's properties.

    Args:
        bulk_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | MessageEnvelope
    """

    return (
        await asyncio_detailed(
            bulk_id=bulk_id,
            client=client,
        )
    ).parsed
