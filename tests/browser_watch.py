"""What the browser tests watch on a page: only its own server is reached, and
nothing goes wrong (console errors, page errors, failed requests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Watched:
    """Requests sent anywhere but ``origin`` (aborted), and every problem seen."""

    origin: str
    elsewhere: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.route("**/*", self._route)
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("requestfailed", self._failed)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:"):
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()

    def _failed(self, request: Any) -> None:
        # A click that leaves a page cancels what it still loads: not a failure.
        if request.failure == "net::ERR_ABORTED" and request.url.startswith(self.origin):
            return
        if request.url in self.elsewhere:
            return  # aborted above, and counted there
        self.problems.append(f"{request.url}: {request.failure}")
