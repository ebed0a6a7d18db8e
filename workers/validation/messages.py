"""Messages between the worker and its evaluator child: JSON, so the worker never unpickles what the child says."""

import json
from multiprocessing.connection import Connection

# Far above any real message; a child gone rogue cannot make the worker buffer more.
MAX_MESSAGE_BYTES = 16 * 1024**2


def send(connection: Connection, message: dict) -> None:
    connection.send_bytes(json.dumps(message).encode())


def receive(connection: Connection) -> dict:
    return json.loads(connection.recv_bytes(MAX_MESSAGE_BYTES))
