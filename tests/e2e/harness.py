# Server-process and raw-RESP helpers for the end-to-end tests (tests/e2e) and
# the differential tester (tests/diff): start a Redis-compatible server binary
# on a free loopback port in a temp dir, wait (bounded) until it answers, stop
# it (SIGTERM, then SIGKILL after a bound), and talk RESP2/RESP3 over a plain
# socket with exact reply types and bytes.
#
# No pytest import here, so tests/diff/difftest.py can use it as a CLI.

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TROUPE_SERVER = REPO_ROOT / "build" / "bin" / "troupe-server"

START_TIMEOUT_S = 10.0   # bound on waiting for a started server to answer
STOP_TIMEOUT_S = 10.0    # bound on waiting after SIGTERM before SIGKILL
START_ATTEMPTS = 3       # retries when the picked port got taken meanwhile


class ServerError(Exception):
    """A server binary is missing, did not start, or misbehaved."""


def troupe_server_path():
    """The binary under test: $TROUPE_SERVER or <repo>/build/bin/troupe-server."""
    return Path(os.environ.get("TROUPE_SERVER") or DEFAULT_TROUPE_SERVER)


def check_binary(path):
    """Raises ServerError with a clear message if `path` is not executable."""
    path = Path(path)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ServerError(
            f"server binary not found or not executable: {path} "
            f"(build it, or set TROUPE_SERVER=/path/to/server, e.g. "
            f"TROUPE_SERVER=/usr/bin/redis-server to run against real Redis)")
    return path


def free_port():
    """A currently free TCP port on 127.0.0.1 (picked by binding port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------
# RESP encoding / decoding
# ---------------------------------------------------------------------------

def _b(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)
    return str(x).encode()


def encode_command(*args):
    """One command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = _b(a)
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    """The peer closed the connection (EOF or reset)."""


class RespReader:
    """Parses replies from a socket into typed tuples:

    ('+', str) status      ('-', str) error       (':', int) integer
    ('$', bytes|None) bulk ('*', list|None) array ('_', None) RESP3 null
    (',', str) double (raw text)   ('#', bool) boolean   ('(', int) big number
    ('=', (fmt, bytes)) verbatim   ('!', str) blob error
    ('%', [(k, v), ...]) map       ('~', [..]) set       ('>', [..]) push
    ('|', [(k, v), ...], value) attribute followed by the value it annotates
    """

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def _fill(self):
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError as e:
            raise ConnectionClosed(str(e)) from e
        if not data:
            raise ConnectionClosed("EOF")
        self.buf += data

    def _line(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ServerError("bulk payload not followed by CRLF")
        self.pos += n + 2
        return data

    def _parse(self):
        line = self._line()
        if not line:
            raise ServerError("empty reply line")
        t, rest = chr(line[0]), line[1:]
        if t == "+":
            return ("+", rest.decode("utf-8", "replace"))
        if t == "-":
            return ("-", rest.decode("utf-8", "replace"))
        if t == ":":
            return (":", int(rest))
        if t == "(":
            return ("(", int(rest))
        if t == ",":
            return (",", rest.decode())
        if t == "#":
            return ("#", rest == b"t")
        if t == "_":
            return ("_", None)
        if t in "$!=":
            n = int(rest)
            if n < 0:
                return (t, None)
            data = self._exact(n)
            if t == "!":
                return ("!", data.decode("utf-8", "replace"))
            if t == "=":
                return ("=", (data[:3].decode(), data[4:]))
            return ("$", data)
        if t in "*~>":
            n = int(rest)
            if n < 0:
                return (t, None)
            return (t, [self._parse() for _ in range(n)])
        if t in "%|":
            n = int(rest)
            pairs = [(self._parse(), self._parse()) for _ in range(n)]
            if t == "|":
                return ("|", pairs, self._parse())
            return ("%", pairs)
        raise ServerError(f"unknown reply type byte {line[:20]!r}")

    def read(self):
        """(typed reply, exact raw bytes of that reply)."""
        start = self.pos
        value = self._parse()
        raw = bytes(self.buf[start:self.pos])
        if self.pos > (1 << 20):
            del self.buf[:self.pos]
            self.pos = 0
        return value, raw


def to_py(reply):
    """Typed reply -> plain Python (for convenient asserts)."""
    t, v = reply[0], reply[1]
    if t in ("*", "~", ">"):
        return None if v is None else [to_py(x) for x in v]
    if t == "%":
        return {to_py(k): to_py(x) for k, x in v}
    if t == "|":
        return to_py(reply[2])
    if t == "-":
        return RespError(v)
    return v


class RespError(str):
    """An error reply when converted by to_py (a str subclass)."""


class RawConn:
    """A plain socket to the server, for byte-exact protocol checks."""

    def __init__(self, port, timeout=10.0, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = RespReader(self.sock)

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.sock.sendall(encode_command(*args))

    def read(self):
        """The next reply as a typed tuple (see RespReader)."""
        return self.reader.read()[0]

    def read_raw(self):
        """The exact bytes of the next reply."""
        return self.reader.read()[1]

    def call(self, *args):
        self.send_command(*args)
        return self.read()

    def call_raw(self, *args):
        self.send_command(*args)
        return self.read_raw()

    def settimeout(self, t):
        self.sock.settimeout(t)

    def pending(self, wait_s=0.2):
        """Bytes (already buffered or arriving within wait_s); b'' if none."""
        data = bytes(self.reader.buf[self.reader.pos:])
        self.reader.buf = bytearray()
        self.reader.pos = 0
        old = self.sock.gettimeout()
        self.sock.settimeout(wait_s)
        try:
            chunk = self.sock.recv(1 << 16)
            data += chunk
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(old)
        return data

    def read_until_closed(self, timeout=5.0, limit=1 << 20):
        """All bytes until the server closes the connection.

        Raises ServerError if it is still open after `timeout` seconds.
        """
        data = bytes(self.reader.buf[self.reader.pos:])
        self.reader.buf = bytearray()
        self.reader.pos = 0
        deadline = time.monotonic() + timeout
        while len(data) < limit:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ServerError(
                    f"connection still open after {timeout}s; got {data[:200]!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                return data
            if not chunk:
                return data
            data += chunk
        raise ServerError("too much data before close")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------
# Server process
# ---------------------------------------------------------------------------

_LIVE = set()   # started and not yet stopped; stopped at interpreter exit


@atexit.register
def _stop_leftovers():
    for srv in list(_LIVE):
        srv.stop(timeout=5)


class ServerProcess:
    """One server process on 127.0.0.1:<free port>, cwd and --dir a temp dir.

    Started with Redis-compatible arguments:
      <binary> [config] --port N --bind 127.0.0.1 --save '' --appendonly no
               --dir <tmp> [extra args...]
    """

    def __init__(self, binary, workdir=None, extra_args=(), config_file=None,
                 name="server"):
        self.binary = check_binary(binary)
        self.extra_args = [str(a) for a in extra_args]
        self.config_file = config_file
        self.name = name
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="troupe-e2e-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = None
        self.proc = None
        self.log_path = self.dir / f"{name}.log"
        self._log_file = None

    # -- lifecycle ---------------------------------------------------------

    def argv(self, port):
        args = [str(self.binary)]
        if self.config_file:
            args.append(str(self.config_file))
        args += ["--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir)]
        return args + self.extra_args

    def start(self, timeout=START_TIMEOUT_S, wait_loaded=True):
        """Starts the process and waits (bounded) until it answers PING; with
        `wait_loaded`, also until its dataset is loaded (no -LOADING)."""
        last = ""
        for _ in range(START_ATTEMPTS):
            port = free_port()
            self._log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                self.argv(port), cwd=str(self.dir), stdin=subprocess.DEVNULL,
                stdout=self._log_file, stderr=subprocess.STDOUT,
                start_new_session=True)
            self.port = port
            _LIVE.add(self)
            ok, last = self._wait_ready(timeout)
            if ok and wait_loaded:
                ok, last = self._wait_loaded(timeout)
            if ok:
                return self
            self._terminate()
            if "in use" not in last.lower():
                break
        raise ServerError(
            f"{self.name} ({self.binary}) did not answer PING within "
            f"{timeout}s on port {self.port}: {last}\n--- log ---\n{self.log()}")

    def _wait_ready(self, timeout):
        """Polls until the server answers anything to PING (bounded)."""
        deadline = time.monotonic() + timeout
        why = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, f"process exited with {self.proc.returncode}; " + self.log()[-2000:]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = s.recv(256)
                    if data[:1] in (b"+", b"-"):
                        return True, ""
                    why = f"unexpected answer {data!r}"
            except OSError as e:
                why = str(e)
            time.sleep(0.05)
        return False, why

    def _wait_loaded(self, timeout):
        """Polls until PING is no longer answered -LOADING (bounded)."""
        deadline = time.monotonic() + timeout
        last = "still loading"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, f"process exited with {self.proc.returncode}; " + self.log()[-2000:]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = s.recv(256)
                    if not data.startswith(b"-LOADING"):
                        return True, ""
                    last = data.decode("latin-1").strip()
            except OSError as e:
                last = str(e)
            time.sleep(0.02)
        return False, last

    def _terminate(self, timeout=STOP_TIMEOUT_S):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        _LIVE.discard(self)

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then SIGKILL after `timeout` seconds. Idempotent."""
        self._terminate(timeout)

    def cleanup(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        """Waits (bounded) for the process to exit; returns its exit code or None."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- clients -----------------------------------------------------------

    def client(self, **kwargs):
        """A redis-py client (RESP2) for this server."""
        import redis  # python3-redis 4.x
        kwargs.setdefault("socket_timeout", 30)
        kwargs.setdefault("socket_connect_timeout", 10)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def raw(self, timeout=10.0):
        """A raw RESP socket connection (RawConn)."""
        return RawConn(self.port, timeout=timeout)

    def cli(self, *args, input=None, timeout=30, check=False):
        """Runs redis-cli against this server; returns CompletedProcess (text)."""
        cli = shutil.which("redis-cli") or "/usr/bin/redis-cli"
        return subprocess.run(
            [cli, "-h", "127.0.0.1", "-p", str(self.port), *map(str, args)],
            input=input, capture_output=True, text=True, timeout=timeout,
            check=check)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


# ---------------------------------------------------------------------------
# Shorthands for expected typed replies in asserts
# ---------------------------------------------------------------------------

OK = ("+", "OK")
NIL = ("$", None)          # RESP2 null bulk
NIL_ARRAY = ("*", None)    # RESP2 null array
NULL3 = ("_", None)        # RESP3 null


def err(msg):
    return ("-", msg)


def integer(n):
    return (":", n)


def bulk(s):
    return ("$", None if s is None else _b(s))


def status(s):
    return ("+", s)


def array(*items):
    return ("*", list(items))


def bulks(*items):
    """An array of bulk strings (None -> null bulk)."""
    return ("*", [bulk(x) for x in items])


# -- helpers shared by the data-type test files ------------------------------

REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB", "/usr/bin/redis-check-rdb")


def keyspace_events(port, commands):
    """The keyspace events (pmessage channel, payload) that `commands` cause."""
    with RawConn(port) as sub, RawConn(port) as c:
        assert c.call("CONFIG", "SET", "notify-keyspace-events", "KEA") == ("+", "OK")
        sub.send_command("PSUBSCRIBE", "__key*__:*", "done")
        for _ in range(2):
            sub.read()
        for args in commands:
            c.call(*args)
        c.call("PUBLISH", "done", "x")
        events = []
        for _ in range(1000):
            msg = sub.read()[1]
            channel = msg[2][1].decode()
            if channel == "done":
                break
            events.append((channel, msg[3][1].decode()))
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        return events


def keyspace_events_both(server, redis_ref, commands):
    """(events on the server under test, events on the reference) for
    `commands`, each run on an empty dataset."""
    import pytest
    for srv in (server, redis_ref):
        with RawConn(srv.port) as c:
            c.call("FLUSHALL")
    with RawConn(server.port) as c:
        reply = c.call("COMMAND", "INFO", "PSUBSCRIBE")
    if reply[1][0][0] != "*":
        pytest.skip("the server under test has no PSUBSCRIBE yet")
    return keyspace_events(server.port, commands), keyspace_events(redis_ref.port, commands)


def rdb_check(path):
    """redis-check-rdb accepts the file (when redis-check-rdb is installed)."""
    if Path(REDIS_CHECK_RDB).exists():
        out = subprocess.run([REDIS_CHECK_RDB, str(path)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
