/* Draws the dashboard's charts with the vendored Chart.js. The data comes from the page's
   json_script blocks, already disclosure-controlled on the server: a withheld count is null
   (its label "<5" or "–" is in `text`), never its true value. Every chart has a table
   beside it carrying the same figures (inside "Visa tabell"), so the charts are never the
   only carrier. */
(function () {
  "use strict";

  // Dark colours: each keeps at least 3:1 contrast against the white background.
  var PALETTE = ["#0b5394", "#b45309", "#6b21a8", "#15803d", "#9f1239", "#1f2937", "#0e7490", "#854d0e"];
  var POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded", "cross"];
  var NUMBER = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 1 });
  var MONEY = new Intl.NumberFormat("sv-SE", { style: "currency", currency: "SEK", maximumFractionDigits: 0 });

  function format(value, spec) {
    if (spec.money) { return MONEY.format(value); }
    var text = NUMBER.format(value);
    return spec.percent ? text + " %" : text;
  }

  // Writes "<5" or "–" at the foot of a bar whose value is withheld, so the chart says so too.
  var withheldLabels = {
    id: "withheldLabels",
    afterDatasetsDraw: function (chart) {
      if (chart.config.type !== "bar" || chart.options.scales.x.stacked) { return; }
      var ctx = chart.ctx;
      var yBase = chart.scales.y.getPixelForValue(0);
      ctx.save();
      ctx.fillStyle = "#212529";
      ctx.font = "12px sans-serif";
      ctx.textAlign = "center";
      chart.data.datasets.forEach(function (dataset, i) {
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) { return; }
        dataset.data.forEach(function (value, j) {
          var text = dataset.text[j];
          if (value === null && text && meta.data[j]) {
            ctx.fillText(text, meta.data[j].x, yBase - 4);
          }
        });
      });
      ctx.restore();
    }
  };

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (d, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: d.label,
        data: d.data,
        text: d.text,
        stack: spec.stacked ? (d.stack || "alla") : undefined,
        backgroundColor: colour,
        borderColor: line ? colour : "#ffffff",
        borderWidth: line ? 2 : 1,
        pointStyle: POINTS[i % POINTS.length],
        pointRadius: 3,
        spanGaps: false
      };
    });
    return new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      plugins: [withheldLabels],
      options: {
        locale: "sv-SE",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: spec.stacked },
          y: {
            stacked: spec.stacked,
            beginAtZero: true,
            title: { display: true, text: spec.yLabel },
            ticks: { callback: function (value) { return format(value, spec); } }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var text = ctx.dataset.text[ctx.dataIndex];
                return ctx.dataset.label + ": " + (text || "–");
              }
            }
          }
        }
      }
    });
  }

  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = draw(canvas);
    if (chart) { charts.push(chart); }
  });

  // Printing: every table is opened (and closed again afterwards, as the reader left it),
  // and each chart is redrawn for the printed page's width.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.dash-table:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
