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

  /* <textarea data-sms-counter data-sms-label="{encoding} {units} {parts}"> shows, in the
     element after it, the SMS alphabet, length and parts of its text, as the server counts
     them (channels/sms_text.py): 3GPP TS 23.038 GSM-7 (extension characters count two)
     or UCS-2; 160/153 or 70/67 characters a part. */
  var GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "\f^{}\\[~]|€";
  function smsLength(text) {
    var units = 0, gsm = true;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (GSM7.indexOf(ch) >= 0) units += 1;
      else if (GSM7_EXT.indexOf(ch) >= 0) units += 2;
      else { gsm = false; break; }
    }
    if (!gsm) units = text.length;  /* UTF-16 code units, as UCS-2 counts them */
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    var parts = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / part));
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, parts: parts };
  }
  function showSmsLength(field) {
    var out = field.nextElementSibling;
    if (!out) return;
    var m = smsLength(field.value);
    var label = (field.dataset.smsLabel || "{encoding} · {units} · {parts}")
      .replace("{encoding}", m.encoding).replace("{units}", m.units).replace("{parts}", m.parts);
    out.textContent = label + smsCost(field, m.parts);
  }
  /* data-sms-costs='["750 ₫", "1.500 ₫", …]': the server's money text (Babel) of 1, 2, …
     parts at the shop's price per part (channels/sms_cost.py); absent when no price is set. */
  function smsCost(field, parts) {
    if (!parts || !field.dataset.smsCosts) return "";
    try {
      var costs = JSON.parse(field.dataset.smsCosts);
      return parts <= costs.length ? " · " + costs[parts - 1] : "";
    } catch (err) {
      return "";
    }
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field instanceof HTMLTextAreaElement && field.hasAttribute("data-sms-counter")) showSmsLength(field);
  });
  function initSmsCounters(root) {
    root.querySelectorAll("textarea[data-sms-counter]").forEach(showSmsLength);
  }

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); initSmsCounters(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initCharts(event.target); });
  window.careloop = { initCharts: initCharts, smsLength: smsLength };
})();
