"""`steadycast lab relay` as a user runs it (docs/contract.md "steadycast lab relay"): the real binary
with --proto udp between a Python UDP sender and a Python UDP echo server. Checks --help, the
first line (bound address, seed), one line per second, the total on exit, --duration, loss in
one direction, SIGINT, and bad flags."""

import queue
import re
import signal
import socket
import subprocess
import threading
import time

from harness import BINARY, log, run_test


class UdpEcho:
    """Echoes every datagram back to its sender, on a thread."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            self.sock.sendto(data, peer)

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class Relay:
    """A `lab relay` process; stdout lines are collected by a thread."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([BINARY, "lab", "relay"] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.all_lines = []
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        first = self.next_line(10)
        assert first.startswith("relay proto=udp "), first
        self.header = first
        self.port = int(re.search(r"listen=127\.0\.0\.1:(\d+)", first).group(1))
        assert self.port > 0, first

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout):
        line = self.lines.get(timeout=timeout)
        assert line is not None, "relay closed stdout: " + "".join(self.stderr)
        self.all_lines.append(line)
        return line

    def rest(self, timeout=15):
        """Every remaining stdout line until the process exits."""
        code = self.proc.wait(timeout)
        while True:
            line = self.lines.get(timeout=5)
            if line is None:
                break
            self.all_lines.append(line)
        return code, self.all_lines[1:]


def fields(line, direction):
    """{"pkts": 12, ...} of the 'up' or 'down' part of a stats line."""
    part = next(p for p in line.split(" | ") if (" " + direction + " ") in (" " + p))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", part.split(direction + " ", 1)[1])}


def send_and_count(port, count, spacing=0.005, size=200):
    """Sends numbered datagrams to the relay; returns the set of numbers echoed back."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.001)
    echoed = set()

    def drain():
        while True:
            try:
                data, _ = sock.recvfrom(65536)
            except (socket.timeout, BlockingIOError):
                return
            echoed.add(int.from_bytes(data[:4], "big"))

    for i in range(count):
        sock.sendto(i.to_bytes(4, "big") + b"x" * (size - 4), ("127.0.0.1", port))
        time.sleep(spacing)
        drain()
    deadline = time.time() + 0.5
    while time.time() < deadline:
        drain()
    sock.close()
    return echoed


def test_help_and_bad_flags():
    res = subprocess.run([BINARY, "lab", "relay", "--help"], capture_output=True, text=True,
                         timeout=10)
    assert res.returncode == 0, res
    for flag in ("--proto", "--listen", "--to", "--loss", "--delay", "--jitter", "--rate",
                 "--outage", "--cut", "--seed", "--reorder", "--duration", "--up-loss"):
        assert flag in res.stdout, (flag, res.stdout)
    bad = subprocess.run([BINARY, "lab", "relay", "--proto", "udp", "--listen", "127.0.0.1:0",
                          "--to", "127.0.0.1:9", "--outage", "ten"], capture_output=True,
                         text=True, timeout=10)
    assert bad.returncode == 2 and "SECONDS@AT" in bad.stderr, bad
    tcp_loss = subprocess.run([BINARY, "lab", "relay", "--proto", "tcp", "--listen", "127.0.0.1:0",
                               "--to", "127.0.0.1:9", "--loss", "5"], capture_output=True,
                              text=True, timeout=10)
    assert tcp_loss.returncode == 2 and "--loss" in tcp_loss.stderr, tcp_loss


def test_clean_link_lines_total_and_duration():
    echo = UdpEcho()
    try:
        start = time.time()
        relay = Relay("--proto", "udp", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{echo.port}",
                      "--delay", "10", "--seed", "5", "--duration", "3")
        assert " seed=5 " in relay.header and "delay=10ms" in relay.header, relay.header
        echoed = send_and_count(relay.port, 200)
        code, lines = relay.rest()
        elapsed = time.time() - start
        log("\n".join(lines))
        assert code == 0, (code, "".join(relay.stderr))
        assert elapsed < 6, elapsed
        assert len(echoed) == 200, len(echoed)
        seconds = [l for l in lines if l.startswith("t=")]
        assert [l.split()[0] for l in seconds] == ["t=1", "t=2", "t=3"], lines
        total = lines[-1]
        assert total.startswith("total elapsed=3."), total
        up, down = fields(total, "up"), fields(total, "down")
        assert up["pkts"] == 200 and up["fwd"] == 200 and up["bytes"] == 200 * 200, up
        assert down["pkts"] == 200 and down["fwd"] == 200 and up["loss"] == 0, down
        assert sum(fields(l, "up")["pkts"] for l in seconds) == 200, seconds
        assert "clients_total=1" in total, total
    finally:
        echo.close()


def test_half_loss_one_way():
    echo = UdpEcho()
    try:
        relay = Relay("--proto", "udp", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{echo.port}",
                      "--up-loss", "50", "--seed", "1", "--duration", "2")
        echoed = send_and_count(relay.port, 300, spacing=0.003)
        code, lines = relay.rest()
        assert code == 0, code
        up, down = fields(lines[-1], "up"), fields(lines[-1], "down")
        assert 100 <= up["loss"] <= 200, up
        assert up["fwd"] + up["loss"] == 300, up
        assert down["loss"] == 0 and down["fwd"] == up["fwd"], down
        assert len(echoed) == up["fwd"] == echo.received, (len(echoed), up, echo.received)
    finally:
        echo.close()


def test_outage_and_sigint():
    echo = UdpEcho()
    try:
        relay = Relay("--proto", "udp", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{echo.port}",
                      "--outage", "1@1")
        t0 = time.time()
        # Before the outage (0-0.8 s), inside it (1.2-1.8 s), after it (2.2-2.8 s).
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.5)
        results = {}
        for name, at in (("before", 0.3), ("inside", 1.5), ("after", 2.5)):
            time.sleep(max(0, t0 + at - time.time()))
            sock.sendto(name.encode(), ("127.0.0.1", relay.port))
            try:
                results[name] = sock.recvfrom(100)[0].decode()
            except socket.timeout:
                results[name] = None
        sock.close()
        assert results == {"before": "before", "inside": None, "after": "after"}, results
        relay.proc.send_signal(signal.SIGINT)
        code, lines = relay.rest(timeout=10)
        assert code == 0, code
        total = lines[-1]
        assert total.startswith("total "), lines
        assert fields(total, "up")["outage"] == 1, total
    finally:
        echo.close()


def test_all():
    test_help_and_bad_flags()
    test_clean_link_lines_total_and_duration()
    test_half_loss_one_way()
    test_outage_and_sigint()


if __name__ == "__main__":
    run_test(test_all)
