#!/usr/bin/env python3
# flytecache — tests: starts and stops a throw-away redis-server on a free loopback port (the CTest
# fixture of the Redis tests, and the server of the restart tests and the Redis benchmark)
# SPDX-License-Identifier: MIT
#
#   redis_server.py start DIR [--port P] [--persist]   start; write DIR/port, DIR/url, DIR/redis.pid
#   redis_server.py stop DIR                           SIGTERM by PID, then SIGKILL after 5 s
#   redis_server.py kill DIR                           SIGKILL by PID (a crash), wait until gone
#
# Persistence is off unless --persist (then an append-only file, fsynced on every write). The
# server also listens on DIR/redis.sock. Standard library only.
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def read_pid(directory):
    try:
        with open(os.path.join(directory, "redis.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def wait_gone(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return not alive(pid)


def start(directory, port, persist):
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis_server.py: redis-server is not installed (scripts/install-deps installs it)")
    os.makedirs(directory, exist_ok=True)
    fixed = port is not None
    for _ in range(1 if fixed else 5):
        chosen = port if fixed else free_port()
        pidfile = os.path.join(directory, "redis.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        args = [server, "--port", str(chosen), "--bind", "127.0.0.1", "--daemonize", "yes",
                "--pidfile", pidfile, "--dir", directory,
                "--logfile", os.path.join(directory, "redis.log"),
                "--unixsocket", os.path.join(directory, "redis.sock"), "--unixsocketperm", "700",
                "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if persist else ["--appendonly", "no"]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if read_pid(directory) and answers_ping(chosen):
                for name, text in (("port", str(chosen)), ("url", f"redis://127.0.0.1:{chosen}")):
                    with open(os.path.join(directory, name), "w") as f:
                        f.write(text + "\n")
                print(f"redis-server pid {read_pid(directory)} on 127.0.0.1:{chosen} "
                      f"(persistence {'on' if persist else 'off'})")
                return
            pid = read_pid(directory)
            if pid and not alive(pid):
                break  # it exited: most likely the port was taken meanwhile
            time.sleep(0.02)
        pid = read_pid(directory)
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)
    log = os.path.join(directory, "redis.log")
    tail = open(log).read()[-2000:] if os.path.exists(log) else "(no log)"
    sys.exit(f"redis_server.py: redis-server did not come up in {directory}:\n{tail}")


def stop(directory, sig):
    pid = read_pid(directory)
    if pid is None or not alive(pid):
        print("redis_server.py: no server running in " + directory)
        return
    os.kill(pid, sig)
    if not wait_gone(pid, 5) and sig != signal.SIGKILL:
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid, 5)
    print(f"redis-server pid {pid} stopped ({signal.Signals(sig).name})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["start", "stop", "kill"])
    parser.add_argument("directory")
    parser.add_argument("--port", type=int)
    parser.add_argument("--persist", action="store_true")
    a = parser.parse_args()
    if a.command == "start":
        start(a.directory, a.port, a.persist)
    else:
        stop(a.directory, signal.SIGTERM if a.command == "stop" else signal.SIGKILL)


if __name__ == "__main__":
    main()
