"""Messages between the worker and its evaluator child: JSON, so the worker never unpickles what the child says."""

import json

# Far above any real message; a child gone rogue cannot make the worker buffer more.
MAX_MESSAGE_BYTES = 16 * 1024**2


def send(connection, message):
    connection.send_bytes(json.dumps(message).encode())


def receive(connection):
    return json.loads(connection.recv_bytes(MAX_MESSAGE_BYTES))
