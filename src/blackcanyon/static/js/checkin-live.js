/* Live check-in figures: polls the check-in stats endpoint with the signed-in session and
   updates every element marked data-stat / data-list-id. The page shows the figures of the
   moment it was loaded without JavaScript. No inline code: CSP-safe. */
(function () {
  "use strict";
  var INTERVAL_MS = 8000;
  var panels = document.querySelectorAll("[data-stats-url]");
  if (!panels.length || !window.fetch) { return; }

  function setText(root, selector, value) {
    var nodes = root.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) { nodes[i].textContent = String(value); }
  }

  function render(panel, stats) {
    ["checked_in", "inside", "total_tickets"].forEach(function (name) {
      setText(document, '[data-stat="' + name + '"]', stats[name]);
    });
    (stats.lists || []).forEach(function (row) {
      var rows = document.querySelectorAll('[data-list-id="' + row.id + '"]');
      for (var i = 0; i < rows.length; i++) {
        setText(rows[i], '[data-field="checked_in"]', row.checked_in);
        setText(rows[i], '[data-field="total"]', row.total);
        setText(rows[i], '[data-field="inside"]', row.inside);
      }
    });
    var note = panel.querySelector("[data-updated]");
    if (note) {
      note.removeAttribute("data-stale");
      note.textContent = "Updated " + new Date().toLocaleTimeString();
    }
  }

  function stale(panel) {
    var note = panel.querySelector("[data-updated]");
    if (note) {
      note.setAttribute("data-stale", "");
      note.textContent = "Could not refresh the figures; trying again.";
    }
  }

  function refresh(panel) {
    if (document.hidden) { return; }
    fetch(panel.getAttribute("data-stats-url"), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (stats) { render(panel, stats); })
      .catch(function () { stale(panel); });
  }

  var panel = panels[0];
  window.setInterval(function () { refresh(panel); }, INTERVAL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(panel); }
  });
})();
