"""A proxy that refuses everything and records it: the install container runs with HTTP(S)_PROXY pointing
here, so any package index pip contacts (pip drops PIP_* settings, but not the proxy variables) shows up
in the log. Usage: record_proxy.py LOG WATCHED_PID. Binds 127.0.0.1 on a free port and listens before it
prints "PORT PID" and detaches (so the caller can use the port as soon as this returns); the server
appends the first line of each request to LOG, answers 403 and closes; it exits when WATCHED_PID is gone."""
import os
import socket
import sys

log, watched = sys.argv[1], int(sys.argv[2])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(64)
port = server.getsockname()[1]
child = os.fork()
if child:
    print(port, child)
    sys.stdout.flush()
    os._exit(0)
os.setsid()
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
server.settimeout(1.0)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


while alive(watched):
    try:
        conn, _ = server.accept()
    except socket.timeout:
        continue
    try:
        conn.settimeout(5.0)
        head = b""
        while b"\r\n" not in head and len(head) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1") or "(connection without a request line)"
        with open(log, "a") as f:  # recorded before the answer, so the client cannot finish first
            f.write(line + "\n")
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()
