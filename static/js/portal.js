/* Delivery Portal's one script. No inline JavaScript anywhere (the CSP forbids it):
 * behaviour is declared with data- attributes and wired here, again after every htmx swap. */
(function () {
  "use strict";

  // Charts: <div class="chart" data-figure="ID"> + {{ figure|json_script:"ID" }}.
  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      // No mode bar: it would need per-chart inline <style> elements, which the CSP forbids.
      var config = Object.assign({ responsive: true, displaylogo: false, displayModeBar: false }, figure.config || {});
      window.Plotly.react(el, figure.data || [], figure.layout || {}, config);
      el.dataset.drawn = "true";
    });
  }

  // Live clocks: <time data-deadline="ISO"> shows "in 12m" / "3m overdue" and ticks.
  function formatDelta(ms) {
    var s = Math.round(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + (s % 60) + "s";
    return s + "s";
  }
  function tickClocks() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.dataset.deadline);
      if (isNaN(due)) return;
      var left = due - now;
      el.textContent = left >= 0 ? "in " + formatDelta(left) : formatDelta(left) + " overdue";
      el.classList.toggle("overdue", left < 0);
    });
  }

  // Confirmation for destructive buttons: <button data-confirm="Roll back?">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) event.preventDefault();
  });
  // Forms that submit on change (filters): <form data-autosubmit>.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && !window.htmx) form.requestSubmit();
  });

  // Refusals swap in too: a form posted with htmx inside [data-swap-refusals] gets its partial
  // back with 400 (invalid input) or 409 (a rule of the process said no), carrying the message
  // (delivery_portal/formposts.py); htmx swaps only 2xx answers unless told so.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status, elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if ((status === 400 || status === 409) && elt && elt.closest("[data-swap-refusals]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function init(root) { drawCharts(root); tickClocks(); }
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    setInterval(tickClocks, 1000);
    if (window.htmx) window.htmx.onLoad(function (el) { init(el); });
  });
  window.DeliveryPortal = { drawCharts: drawCharts };
})();
