"""Tables for the command line: at a terminal they fit its width, and ids and
money are never cut (the least needed columns go first, then long cells
wrap); piped, they are plain aligned text, as wide as their content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.table import Table

# What a rich table adds around its cells: a border, and per column
# two spaces of padding and a separator.
_EDGE, _PER_COLUMN = 1, 3


@dataclass(frozen=True)
class Column:
    """A column; ``drop`` orders what goes when the terminal is narrow
    (0: never dropped; higher goes first)."""

    name: str
    drop: int = 0
    right: bool = False


@dataclass
class Listing:
    title: str
    columns: Sequence[Column]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add_row(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def _widths(self) -> list[int]:
        return [
            max([len(column.name), *(len(row[i]) for row in self.rows)])
            for i, column in enumerate(self.columns)
        ]

    def fitted(self, width: int) -> list[int]:
        """The indexes of the columns shown in ``width`` characters."""
        widths = self._widths()
        shown = list(range(len(self.columns)))

        def total() -> int:
            return _EDGE + sum(widths[i] + _PER_COLUMN for i in shown)

        droppable = sorted(
            (i for i in shown if self.columns[i].drop), key=lambda i: (-self.columns[i].drop, -i)
        )
        for index in droppable:
            if total() <= width:
                break
            shown.remove(index)
        return shown

    def show(self, console: Console) -> None:
        if not console.is_terminal:
            console.file.write(self.plain())
            return
        shown = self.fitted(console.width)
        table = Table(title=self.title, box=box.HEAVY_HEAD)
        for i in shown:
            column = self.columns[i]
            # Fold, never ellipsis: a wrapped id can still be copied whole.
            table.add_column(
                column.name, justify="right" if column.right else "left", overflow="fold"
            )
        for row in self.rows:
            table.add_row(*(row[i] for i in shown))
        console.print(table)
        if len(shown) < len(self.columns):
            hidden = [self.columns[i].name for i in range(len(self.columns)) if i not in shown]
            console.print(f"(not shown at this width: {', '.join(hidden)})")

    def plain(self) -> str:
        """The table as aligned text: a title line, a header, a line per row."""
        widths = self._widths()

        def line(cells: Sequence[str]) -> str:
            padded = [
                cell.rjust(widths[i]) if self.columns[i].right else cell.ljust(widths[i])
                for i, cell in enumerate(cells)
            ]
            return "  ".join(padded).rstrip()

        lines = [self.title, line([c.name for c in self.columns])]
        lines.extend(line(row) for row in self.rows)
        return "\n".join(lines) + "\n"
