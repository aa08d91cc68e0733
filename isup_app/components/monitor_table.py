"""The list of an organization's monitors: counts per state, search and
filters, and one row per monitor that links to its page."""

import reflex as rx

from isup_app.states.monitors import ALL, KINDS, STATES, MonitorListState, MonitorRow

STATE_COLOURS = {
    "up": "green",
    "down": "red",
    "degraded": "amber",
    "pending": "orange",
    "unknown": "gray",
    "paused": "gray",
}


def state_badge(state: rx.Var[str], **props) -> rx.Component:
    colour = rx.match(
        state,
        *STATE_COLOURS.items(),
        "gray",
    )
    return rx.badge(
        state, color_scheme=colour, variant="solid", class_name="state", **props
    )


def state_count(state: str) -> rx.Component:
    """A count that filters the list to its state when clicked."""
    chosen = MonitorListState.state_filter == state
    return rx.button(
        rx.text(state),
        rx.badge(
            MonitorListState.counts[state].to_string(),
            color_scheme=STATE_COLOURS[state],
            variant="solid",
        ),
        variant=rx.cond(chosen, "solid", "soft"),
        color_scheme=STATE_COLOURS[state],
        size="1",
        on_click=MonitorListState.set_state_filter(rx.cond(chosen, ALL, state)),
        id=f"count-{state}",
        class_name="state-count",
    )


def state_counts() -> rx.Component:
    return rx.flex(
        *[
            rx.cond(
                (MonitorListState.counts[state].to(int) > 0)
                | (MonitorListState.state_filter == state),
                state_count(state),
            )
            for state in STATES
        ],
        rx.text(
            MonitorListState.total_words,
            size="2",
            color_scheme="gray",
            id="monitor-total",
        ),
        gap="2",
        wrap="wrap",
        align="center",
    )


def _choice(
    value: rx.Var[str], options, on_change, label: str, name: str
) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=label, aria_label=label, id=f"filter-{name}"),
        rx.select.content(
            rx.select.item(f"Every {label.lower()}", value=ALL),
            _items(options),
        ),
        value=value,
        on_change=on_change,
        size="2",
    )


def _items(options) -> rx.Component:
    if isinstance(options, rx.Var):
        return rx.foreach(options, lambda tag: rx.select.item(tag, value=tag))
    return rx.fragment(*[rx.select.item(option, value=option) for option in options])


def filters() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search by name, target or tag",
            value=MonitorListState.search,
            on_change=MonitorListState.set_search.debounce(250),
            id="monitor-search",
            flex_grow="1",
            min_width="14em",
        ),
        _choice(
            MonitorListState.state_filter,
            STATES,
            MonitorListState.set_state_filter,
            "State",
            "state",
        ),
        _choice(
            MonitorListState.kind_filter,
            KINDS,
            MonitorListState.set_kind_filter,
            "Kind",
            "kind",
        ),
        rx.cond(
            MonitorListState.tags.length() > 0,
            _choice(
                MonitorListState.tag_filter,
                MonitorListState.tags,
                MonitorListState.set_tag_filter,
                "Tag",
                "tag",
            ),
        ),
        gap="2",
        wrap="wrap",
        width="100%",
    )


def tag_badges(tags: rx.Var[list[str]]) -> rx.Component:
    return rx.flex(
        rx.foreach(tags, lambda tag: rx.badge(tag, variant="soft", size="1")),
        gap="1",
        wrap="wrap",
    )


def monitor_line(row: MonitorRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.link(row.name, href=row.href, weight="medium", class_name="name"),
                rx.text(row.target, size="1", color_scheme="gray", class_name="target"),
                tag_badges(row.tags),
                spacing="1",
            )
        ),
        rx.table.cell(state_badge(row.state)),
        rx.table.cell(rx.badge(row.kind, variant="outline")),
        rx.table.cell(row.uptime_24h, class_name="uptime-24h"),
        rx.table.cell(row.uptime_30d, class_name="uptime-30d"),
        rx.table.cell(row.response_time, class_name="response"),
        rx.table.cell(rx.text(row.last_checked, size="1"), class_name="last-check"),
        id="monitor-" + row.id.to_string(),
        data_state=row.state,
        class_name="monitor",
    )


def monitor_table() -> rx.Component:
    return rx.vstack(
        state_counts(),
        filters(),
        rx.cond(
            MonitorListState.rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Monitor"),
                            rx.table.column_header_cell("State"),
                            rx.table.column_header_cell("Kind"),
                            rx.table.column_header_cell("Uptime 24 h"),
                            rx.table.column_header_cell("Uptime 30 d"),
                            rx.table.column_header_cell("Response"),
                            rx.table.column_header_cell("Last check"),
                        )
                    ),
                    rx.table.body(rx.foreach(MonitorListState.rows, monitor_line)),
                    width="100%",
                    id="monitors",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.text(
                rx.cond(
                    MonitorListState.loaded,
                    rx.cond(
                        MonitorListState.total > 0,
                        "No monitor matches the search and filters.",
                        "No monitors yet. Add one below.",
                    ),
                    "Loading monitors…",
                ),
                color_scheme="gray",
                id="no-monitors",
            ),
        ),
        rx.cond(
            MonitorListState.matching > MonitorListState.rows.length(),
            rx.button(
                "Show more (",
                MonitorListState.rows.length().to_string(),
                " of ",
                MonitorListState.matching.to_string(),
                " shown)",
                variant="soft",
                on_click=MonitorListState.show_more,
                id="show-more",
            ),
        ),
        spacing="4",
        width="100%",
    )
