"""The simulation plays a synthetic network forward and never lets a balance past its floor."""

import pytest

from sem.matching import simulation


def test_gini_of_known_values():
    assert simulation.gini([5, 5, 5, 5]) == 0.0
    assert simulation.gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert simulation.gini([-3, 3]) == 0.0  # absolute balances
    assert simulation.gini([]) == 0.0


def test_a_simulated_year_keeps_every_balance_above_its_floor():
    with_reciprocity, without = simulation.simulate(weeks=20, orgs=40, seed=3)
    assert (with_reciprocity.label, without.label) == ("with reciprocity", "without reciprocity")
    for row in (with_reciprocity, without):
        assert row.lowest_margin >= 0 and row.floor_refusals == 0
        assert row.exchanges > 0 and row.hours > 0
        assert 0 <= row.gini <= 1 and 0 <= row.both_share <= 1
        assert row.emerging_hours <= row.hours
    assert 0 <= with_reciprocity.price < 0.05
    assert without.price == 0.0


def test_the_same_seed_plays_the_same_year():
    assert simulation.simulate(weeks=8, orgs=30, seed=5) == simulation.simulate(weeks=8, orgs=30, seed=5)


def test_the_simulate_command_prints_both_rows(app):
    result = app.test_cli_runner().invoke(args=["sem", "simulate", "--weeks", "6", "--orgs", "30"])
    assert result.exit_code == 0, result.output
    assert "with reciprocity" in result.output and "without reciprocity" in result.output
