// Live updates: the server says when what this page shows may have moved
// (Server-Sent Events from /live); the page fetches its own content again and
// swaps it in. The tick scrubber shows the tick under the thumb and follows it.
"use strict";
(function () {
  const badge = document.getElementById("live");
  let version = null;
  let pending = null;

  function refresh() {
    const url = new URL(window.location.href);
    url.searchParams.set("fragment", "1");
    fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const main = document.getElementById("page");
        const focused = document.activeElement && document.activeElement.id;
        main.innerHTML = html;
        document.body.dataset.updated = String(Date.now());
        badge.classList.add("flash");
        setTimeout(() => badge.classList.remove("flash"), 400);
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        wireScrubber();
      })
      .catch(() => {});
  }

  if (window.EventSource) {
    const source = new EventSource("/live");
    source.onmessage = (message) => {
      const state = JSON.parse(message.data);
      badge.textContent = state.recording ? "live: recording" : "live: idle";
      badge.className = "live " + (state.recording ? "recording" : "idle");
      if (version !== null && state.version !== version) {
        clearTimeout(pending);
        pending = setTimeout(refresh, 150);
      }
      version = state.version;
    };
    source.onerror = () => { badge.textContent = "reconnecting"; badge.className = "live"; };
  }

  function wireScrubber() {
    const tick = document.getElementById("tick");
    const shown = document.getElementById("tick-shown");
    if (!tick) return;
    tick.addEventListener("input", () => { shown.textContent = tick.value; });
    tick.addEventListener("change", () => tick.form.submit());
  }
  wireScrubber();
})();
