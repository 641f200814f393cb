"""Loopback helpers shared by the tests that start servers (dashboard, JupyterLab)."""
import socket


def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on now."
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    "Whether something accepts connections on 127.0.0.1:`port`."
    with socket.socket() as s: return s.connect_ex(('127.0.0.1', port)) == 0
