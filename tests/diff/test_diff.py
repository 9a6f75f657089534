# Runs the differential tester (difftest.py) under pytest: for each command
# family, 20 fixed seeds x 500 steps against troupe-server ($TROUPE_SERVER) and
# the reference redis-server ($REDIS_SERVER), RESP2 and RESP3; a mixed run of
# all families; and checks that the tester does catch a difference (injected
# reply, and a reference started with --databases 1).

import pytest

import difftest
import harness

SEEDS = range(1, 21)
STEPS = 500
FAMILIES = ["strings", "bits", "keys", "expire", "server", "errors",
            "hash", "set", "list", "zset", "sort", "hll", "pubsub"]


@pytest.fixture(scope="module")
def troupe_bin():
    problem = None
    try:
        return harness.check_binary(harness.troupe_server_path())
    except harness.ServerError as e:
        problem = str(e)
    pytest.fail(problem, pytrace=False)   # an error, never a skip


@pytest.fixture(scope="module")
def pair(troupe_bin):
    problem = None
    p = difftest.ServerPair(troupe_bin=troupe_bin)
    try:
        p.__enter__()
    except harness.ServerError as e:
        problem = str(e)
    if problem:
        pytest.fail(problem, pytrace=False)
    yield p
    p.__exit__()


@pytest.fixture(scope="module")
def supported(pair):
    """{family: missing commands} for optional families (beyond issue 2,
    e.g. `types`) that troupe-server cannot run yet."""
    sut, _ = pair.sides(2)
    sut.connect()
    try:
        return difftest.unsupported_families(sut, list(difftest.FAMILIES))
    finally:
        sut.close()


def family_mix(name, missing):
    """The family, plus a little of `types` (when supported) so keys of other
    types collide with it and WRONGTYPE paths are hit."""
    mix = [(name, 9.0)]
    if "types" not in missing and name != "types":
        mix.append(("types", 1.0))
    return mix


def run_seeds(pair, families, resp, seeds=SEEDS, steps=STEPS):
    dead = pair.dead()
    if dead:
        pytest.fail(f"a server of the pair is not running:\n{dead}", pytrace=False)
    sut, ref = pair.sides(resp)
    try:
        for seed in seeds:
            res = difftest.run_seed(sut, ref, seed, steps, families, resp)
            assert res.ok, f"\n{res.report}\nservers: {pair.alive_report()}"
    finally:
        sut.close()
        ref.close()


@pytest.mark.slow
@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("family", FAMILIES + ["types"])
def test_family(pair, supported, family, resp):
    if family in supported:   # only optional families can be left out
        pytest.skip(f"server under test lacks {', '.join(supported[family])} "
                    f"(family {family} is beyond issue 2)")
    run_seeds(pair, family_mix(family, supported), resp)


@pytest.mark.slow
@pytest.mark.parametrize("resp", [2, 3])
def test_all_families_mixed(pair, supported, resp):
    families = [(f, 1.0) for f in difftest.DEFAULT_FAMILIES if f not in supported]
    run_seeds(pair, families, resp, seeds=range(100, 105), steps=2000)


def test_injected_difference_is_reported(pair):
    sut, ref = pair.sides(2)
    try:
        res = difftest.run_seed(sut, ref, 5, 50, [("strings", 1.0)], 2, inject_step=17)
    finally:
        sut.close()
        ref.close()
    assert not res.ok and res.steps == 17
    assert "DIFFERENCE seed=5 step=17 family=strings resp=2" in res.report
    assert "injected difference" in res.report
    assert "replay: difftest.py --seed 5 --steps 17 --families strings --resp 2" in res.report


def test_config_difference_is_caught(troupe_bin):
    """A reference started with --databases 1 must differ on SELECT/MOVE/SWAPDB."""
    with difftest.ServerPair(troupe_bin=troupe_bin, redis_args=["--databases", "1"]) as p:
        sut, ref = p.sides(2)
        try:
            res = difftest.run_seed(sut, ref, 1, 500, [("server", 1.0)], 2)
        finally:
            sut.close()
            ref.close()
    assert not res.ok
    assert "ERR DB index is out of range" in res.report or "databases" in res.report


def test_cli_reports_failure_exit_code(troupe_bin, capsys):
    code = difftest.main(["--seed", "3", "--steps", "40", "--families", "keys",
                          "--inject-diff", "10"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "DIFFERENCE seed=3 step=10" in out


def test_cli_green_run(troupe_bin, capsys):
    code = difftest.main(["--seed", "11", "--steps", "300", "--families", "strings,keys",
                          "--resp", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK, 1 seed(s), 300 steps" in out
