"""One monitor's charts: response time per region, its phases, and the
daily bars of the last 90 days."""

import reflex as rx

from isup_app.states.monitor_detail import (
    PHASES,
    RANGES,
    DayLine,
    MonitorDetailState,
)

# Radix colour steps, so that the lines follow the light and dark themes.
REGION_COLOURS = [
    "var(--accent-9)",
    "var(--orange-9)",
    "var(--grass-9)",
    "var(--crimson-9)",
    "var(--cyan-9)",
    "var(--amber-9)",
    "var(--purple-9)",
    "var(--brown-9)",
]
PHASE_NAMES = {
    "dns": "DNS",
    "connect": "Connect",
    "tls": "TLS",
    "ttfb": "First byte",
}
PHASE_COLOURS = {
    "dns": "var(--sky-8)",
    "connect": "var(--teal-8)",
    "tls": "var(--violet-8)",
    "ttfb": "var(--orange-8)",
}
CHART_HEIGHT = 260


def _region_line(region: rx.Var[str], index: rx.Var[int]) -> rx.Component:
    colour = rx.Var.create(REGION_COLOURS)[index % len(REGION_COLOURS)]
    return rx.recharts.line(
        data_key=region,
        name=region,
        stroke=colour,
        dot=False,
        type_="monotone",
        connect_nulls=False,
        is_animation_active=False,
        unit=" ms",
    )


def _axes() -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="t", min_tick_gap=24, tick_line=False),
        rx.recharts.y_axis(unit=" ms", width=64, tick_line=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
    ]


def response_chart() -> rx.Component:
    return rx.recharts.line_chart(
        *_axes(),
        rx.foreach(MonitorDetailState.chart_regions, _region_line),
        data=MonitorDetailState.chart_points,
        width="100%",
        height=CHART_HEIGHT,
        id="response-chart",
    )


def phase_chart() -> rx.Component:
    return rx.recharts.area_chart(
        *_axes(),
        *[
            rx.recharts.area(
                data_key=phase,
                name=PHASE_NAMES[phase],
                stack_id="phases",
                stroke=PHASE_COLOURS[phase],
                fill=PHASE_COLOURS[phase],
                type_="monotone",
                is_animation_active=False,
                unit=" ms",
            )
            for phase in PHASES
        ],
        data=MonitorDetailState.phase_points,
        width="100%",
        height=CHART_HEIGHT,
        id="phase-chart",
    )


def range_picker() -> rx.Component:
    return rx.segmented_control.root(
        *[rx.segmented_control.item(name, value=name) for name in RANGES],
        value=MonitorDetailState.range_name,
        on_change=MonitorDetailState.set_range,
        size="1",
        id="chart-range",
    )


def response_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("Response time", size="4"),
                rx.spacer(),
                range_picker(),
                align="center",
                width="100%",
                wrap="wrap",
                gap="2",
            ),
            rx.cond(
                MonitorDetailState.chart_note != "",
                rx.text(
                    MonitorDetailState.chart_note,
                    size="2",
                    color_scheme="gray",
                    id="chart-note",
                ),
            ),
            rx.cond(MonitorDetailState.chart_points.length() > 0, response_chart()),
            rx.cond(
                MonitorDetailState.phase_points.length() > 0,
                rx.vstack(
                    rx.text(
                        "Where the time goes: DNS, connect, TLS, first byte "
                        "(average over regions)",
                        size="2",
                        weight="medium",
                    ),
                    phase_chart(),
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def day_bar(bar: DayLine) -> rx.Component:
    return rx.tooltip(
        rx.box(
            background=bar.colour,
            height="2.5em",
            flex="1",
            min_width="2px",
            border_radius="2px",
            class_name="day",
            data_state=bar.state,
            data_day=bar.day,
            aria_label=bar.title,
        ),
        content=bar.title,
    )


def daily_bars() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Last 90 days", size="4"),
            rx.flex(
                rx.foreach(MonitorDetailState.bars, day_bar),
                gap="1px",
                width="100%",
                id="daily-bars",
            ),
            rx.flex(
                rx.text("90 days ago", size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text("today", size="1", color_scheme="gray"),
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )
