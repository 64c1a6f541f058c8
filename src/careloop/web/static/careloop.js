/* Careloop staff UI behaviour. No inline scripts anywhere (the CSP forbids them):
   everything interactive is htmx attributes or a data- attribute handled here. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* Charts: <canvas data-chart="ID"></canvas> + <script type="application/json" id="ID">{Chart.js config}</script>.
     Pages that chart include static('vendor/chart.umd.min.js') in their `scripts` block. */
  function initCharts(root) {
    if (typeof window.Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      try {
        new window.Chart(canvas, JSON.parse(source.textContent));
        canvas.dataset.chartReady = "1";
      } catch (err) {
        console.error("chart " + canvas.dataset.chart + ": " + err);
      }
    });
  }

  /* <form data-confirm="Delete this?"> asks before submitting (htmx elements use hx-confirm). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  /* <select data-autosubmit> submits its form on change (the button beside it is for no-JS). */
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initCharts(event.target); });
  window.careloop = { initCharts: initCharts };
})();
