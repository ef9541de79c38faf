// Draw the dashboard's charts with the vendored Chart.js; the tables under each chart hold the same numbers.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  const charts = JSON.parse(source.textContent);
  const colour = "#0b6e6e";
  // Right-to-left pages (Arabic) mirror the charts too: axes, legends and tooltips.
  const rtl = document.documentElement.dir === "rtl";
  const palette = ["#0b6e6e", "#f0a500", "#5b4b8a", "#c8553d", "#2a7ab0", "#6a994e"];
  // A reader who asked their system for less motion gets the charts drawn at once, without animation.
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  for (const chart of charts) {
    const canvas = document.getElementById(`c-${chart.id}`);
    if (!canvas || !chart.series.length) continue;
    canvas.parentElement.hidden = false;
    const horizontal = chart.kind === "hbar";
    const type = horizontal ? "bar" : chart.kind;
    if (horizontal) canvas.parentElement.style.height = `${Math.max(160, chart.series.length * 26 + 60)}px`;
    new window.Chart(canvas, {
      type,
      data: {
        labels: chart.series.map((point) => point.label),
        datasets: [{
          label: chart.unit,
          data: chart.series.map((point) => point.value),
          backgroundColor: type === "doughnut" ? palette : colour,
          borderColor: colour,
          fill: false,
          // Straight segments: a curve would bulge above a cumulative line's last value between two points.
          tension: 0,
        }],
      },
      options: {
        animation: still ? false : undefined,
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: !horizontal,
        aspectRatio: 2,
        locale: document.documentElement.lang || undefined,
        plugins: {
          legend: { display: type === "doughnut", position: rtl ? "left" : "right", rtl, textDirection: rtl ? "rtl" : "ltr" },
          tooltip: { rtl, textDirection: rtl ? "rtl" : "ltr" },
        },
        scales: type === "doughnut" ? {} : {
          x: { beginAtZero: true, reverse: rtl, ticks: { precision: 0 } },
          y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: { precision: 0 } },
        },
      },
    });
  }
})();
