"""Bar charts, the network layout and the filter form: pure functions and small rules."""

from datetime import date

import numpy as np
import pytest

from sem.reports import charts, network
from sem.reports.forms import ReportFilterForm
from sem.reports.queries import ReportFilters, add_months


def test_vertical_bars_grow_with_their_value_from_the_zero_line():
    chart = charts.vertical_bars([("jan", 60), ("feb", 0), ("mar", 180)])
    jan, feb, mar = chart.bars
    assert mar.height == pytest.approx(3 * jan.height, abs=0.2)
    assert feb.height == 0
    assert jan.y + jan.height == mar.y + mar.height == chart.bottom  # all stand on zero
    assert jan.x < feb.x < mar.x
    assert [tick.value for tick in chart.ticks][0] == 0 and chart.ticks[-1].value >= 180


def test_bars_of_counts_use_whole_steps_and_nothing_to_draw_gives_none():
    chart = charts.horizontal_bars([("a", 7), ("b", 3)], kind="number")
    assert [tick.value for tick in chart.ticks] == [0, 2, 4, 6, 8]
    assert chart.bars[0].width > chart.bars[1].width
    assert charts.vertical_bars([("jan", 0)]) is None
    assert charts.horizontal_bars([]) is None


def test_long_labels_are_shortened_and_only_the_first_bars_are_drawn():
    chart = charts.horizontal_bars([("x" * 50, 1)] + [(str(i), 1) for i in range(30)], kind="number")
    assert len(chart.bars) == 15 and chart.bars[0].label.endswith("…") and len(chart.bars[0].label) == 30


def test_number_steps():
    assert [charts.number_step(span, 5) for span in (1, 4, 9, 23, 480)] == [1, 1, 2, 5, 100]


def test_layout_is_deterministic_and_inside_the_box():
    edges = [(i, (i + 1) % 50, 60.0) for i in range(50)] + [(0, 25, 600.0)]
    first = network.layout(50, edges)
    assert np.array_equal(first, network.layout(50, edges))
    assert first.min() >= 0 and first.max() <= 1
    assert len({(round(x, 3), round(y, 3)) for x, y in first}) == 50  # no two nodes on top of each other


def test_linked_organisations_end_up_closer_than_unlinked_ones():
    # Two groups of ten, each a clique; nothing between them.
    edges = [(i, j, 60.0) for group in (range(10), range(10, 20)) for i in group for j in group if i < j]
    pos = network.layout(20, edges)
    within = np.mean([np.linalg.norm(pos[i] - pos[j]) for i, j, _ in edges])
    across = np.mean([np.linalg.norm(pos[i] - pos[j]) for i in range(10) for j in range(10, 20)])
    assert within < across / 2


def test_graph_of_five_hundred_organisations():
    import time

    nodes = [network.Node(i, f"org {i}", f"sector-{i % 10}", 60 * (1 + i % 7)) for i in range(500)]
    edges = [network.Edge(i, (i * 7 + 3) % 500, 60 * (1 + i % 5)) for i in range(500) if (i * 7 + 3) % 500 != i]
    started = time.perf_counter()
    graph = network.build_graph(nodes, edges)
    assert time.perf_counter() - started < 5
    assert len(graph.nodes) == 500 and len(graph.edges) == len(edges)
    assert all(24 <= n.x <= graph.width - 24 and 24 <= n.y <= graph.height - 24 for n in graph.nodes)
    assert max(n.r for n in graph.nodes) > min(n.r for n in graph.nodes)


def test_default_period_is_the_last_twelve_months():
    from datetime import UTC, datetime

    filters = ReportFilters.default(now=datetime(2026, 11, 25, 10, tzinfo=UTC))
    assert (filters.month_from, filters.month_to) == (date(2025, 12, 1), date(2026, 11, 1))
    assert len(filters.months) == 12
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)


@pytest.mark.parametrize(("args", "expected"), [
    ({"from": "2026-02", "to": "2026-04"}, (date(2026, 2, 1), date(2026, 4, 1))),
    ({"to": "2026-04"}, (date(2025, 5, 1), date(2026, 4, 1))),  # twelve months up to the end
    ({"from": "bad", "to": "2026-04"}, (date(2025, 5, 1), date(2026, 4, 1))),  # the wrong start is ignored
])
def test_filter_form_reads_the_period(app, args, expected):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context():
        form = ReportFilterForm(MultiDict(args))
        filters = form.filters()
        assert (filters.month_from, filters.month_to) == expected


def test_filter_form_ignores_unknown_choices(app):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context():
        form = ReportFilterForm(MultiDict({"sector": "999", "commune": "nowhere", "public": "x"}), communes=["ixelles"])
        filters = form.filters()
        assert (filters.sector_id, filters.public_id, filters.commune) == (None, None, None)
