# Fixtures for the end-to-end tests: start the server under test
# ($TROUPE_SERVER, default <repo>/build/bin/troupe-server; set
# TROUPE_SERVER=/usr/bin/redis-server to run the suite against real Redis) on a
# free 127.0.0.1 port in a temp dir, and always stop it afterwards.
#
#   server          one shared server per test module (started once)
#   r               redis-py client on `server`, FLUSHALL'd before each test
#   raw             RawConn (byte-exact RESP socket) on `server`
#   server_factory  start(*extra_args, config=None) -> dedicated ServerProcess,
#                   for tests that need their own config (requirepass, ...)
#   list_key        a list key for WRONGTYPE paths (skips if no RPUSH)

import resource

import pytest

import harness


def _raise_nofile(want=4096):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@pytest.fixture(scope="session")
def server_binary():
    problem = None
    try:
        return harness.check_binary(harness.troupe_server_path())
    except harness.ServerError as e:
        problem = str(e)
    pytest.fail(problem, pytrace=False)  # an error, never a skip


@pytest.fixture(scope="session", autouse=True)
def _nofile_limit():
    # 1,000 concurrent connections need more descriptors than a default 1024;
    # servers we start inherit the raised limit.
    _raise_nofile(4096)


def _start(binary, tmp_dir, extra_args=(), name="server", config=None):
    config_file = None
    if config is not None:
        config_file = tmp_dir / "redis.conf"
        config_file.write_text(config)
    srv = harness.ServerProcess(binary, workdir=tmp_dir, extra_args=extra_args,
                                config_file=config_file, name=name)
    problem = None
    try:
        srv.start()
        return srv
    except harness.ServerError as e:
        problem = str(e)
    srv.stop()
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="module")
def server(server_binary, tmp_path_factory):
    srv = _start(server_binary, tmp_path_factory.mktemp("srv"))
    yield srv
    srv.stop()


@pytest.fixture
def server_factory(server_binary, tmp_path_factory):
    started = []

    def start(*extra_args, name="server", config=None):
        """Starts a dedicated server; `config` is redis.conf text passed as
        the config file argument (before the command-line directives)."""
        srv = _start(server_binary, tmp_path_factory.mktemp(name), extra_args,
                     name=name, config=config)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def _ensure_alive(server):
    """Fails the current test if the shared server died, restarting it first
    so that the rest of the module still runs against a live server."""
    if server.is_running():
        return
    code = server.proc.returncode if server.proc else None
    tail = server.log()[-3000:]
    problem = None
    try:
        server.start()
    except harness.ServerError as e:
        problem = f"restart failed: {e}"
    pytest.fail(f"shared server had exited (code {code}) before this test; "
                f"{problem or 'restarted it'}\n--- log tail ---\n{tail}", pytrace=False)


@pytest.fixture
def r(server):
    """A fresh RESP2 redis-py client (bytes replies) on an empty server."""
    _ensure_alive(server)
    client = server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def rd(server):
    """Like `r` but with decode_responses=True."""
    _ensure_alive(server)
    client = server.client(decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def raw(server):
    """A RawConn on an empty server; raw.connect() opens more to it."""
    _ensure_alive(server)
    conns = []

    def connect(timeout=10.0):
        c = server.raw(timeout=timeout)
        conns.append(c)
        return c

    c = connect()
    c.call("FLUSHALL")
    c.connect = connect  # more raw connections to the same server
    yield c
    for c in conns:
        c.close()


@pytest.fixture
def list_key(raw):
    """Key "l" holding a list, for WRONGTYPE paths.

    Issue 2 covers only strings and keys; if the server has no RPUSH yet the
    test is skipped with that reason (not silently passed).
    """
    reply = raw.call("RPUSH", "l", "x")
    if reply[0] == "-" and reply[1].startswith("ERR unknown command"):
        pytest.skip("server has no RPUSH: WRONGTYPE paths need a non-string type")
    assert reply == (":", 1)
    return "l"
