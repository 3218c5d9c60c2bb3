// iamlocal console: the little JavaScript the pages use. Everything works without it,
// except live refresh and countdowns.
"use strict";

// Decisions: poll the rows (server-rendered HTML) with the page's own filters.
(function pollDecisions() {
  const rows = document.getElementById("decision-rows");
  const live = document.getElementById("live");
  if (!rows || !live) return;
  const url = rows.dataset.poll + window.location.search;
  let last = null;
  async function refresh() {
    if (!live.checked) return;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const html = await response.text();
      // Replace only what changed, so keyboard focus on a row's link survives a quiet tick.
      if (html !== last) {
        last = html;
        rows.innerHTML = html;
      }
    } catch (e) {
      // The server may be restarting: try again at the next tick.
    }
  }
  setInterval(refresh, 2000);
})();

// Time: count the propagation countdowns down; reload when one reaches zero.
(function countdowns() {
  const cells = Array.from(document.querySelectorAll("td.countdown"));
  if (cells.length === 0) return;
  const start = Date.now();
  setInterval(function () {
    const elapsed = Date.now() - start;
    let due = false;
    for (const cell of cells) {
      const left = Math.max(0, Number(cell.dataset.remainingMs) - elapsed);
      cell.textContent = (left / 1000).toFixed(1) + " s";
      // Only a countdown that ran out here reloads (not one already at zero).
      if (left === 0 && Number(cell.dataset.remainingMs) > 0) due = true;
    }
    if (due) window.location.reload();
  }, 250);
})();
