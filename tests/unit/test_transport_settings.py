"""Keepalive and size limits on both ends fit together, so a healthy idle connection is
never closed with "too_many_pings" and every message has a bound."""

from __future__ import annotations

from gateway.node.tls import channel_options, server_options


def test_server_accepts_client_keepalive_pings_at_the_rate_clients_send_them():
    client = dict(channel_options(4 * 1024 * 1024))
    server = dict(server_options(4 * 1024 * 1024))
    assert (
        client["grpc.keepalive_time_ms"]
        >= server["grpc.http2.min_recv_ping_interval_without_data_ms"]
    )
    # Clients never ping an idle connection without calls, which servers would punish.
    assert client["grpc.keepalive_permit_without_calls"] == 0


def test_message_size_is_bounded_both_ways_on_both_ends():
    for options in (channel_options(1234), server_options(1234)):
        values = dict(options)
        assert values["grpc.max_send_message_length"] == 1234
        assert values["grpc.max_receive_message_length"] == 1234
