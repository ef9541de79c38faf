// Live progress of a solver run: poll its JSON every second, update the bar, reload when it ends.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  // Statuses in the page's language (the page lists their words), numbers as the language writes them.
  const statuses = JSON.parse(box.dataset.statuses || "{}");
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 1 });
  const show = (name, value) => {
    const node = box.querySelector(`[data-field="${name}"]`);
    if (node) node.textContent = value;
  };
  async function poll() {
    const response = await fetch(`/api/runs/${box.dataset.run}`, { headers: { accept: "application/json" } });
    if (!response.ok) return;
    const run = await response.json();
    show("status", statuses[run.status] || run.status);
    show("elapsed", number.format(run.elapsed_seconds));
    show("objective", run.objective === null ? "—" : number.format(run.objective));
    show("bound", run.bound === null ? "—" : number.format(run.bound));
    const bar = box.querySelector("progress");
    if (bar && run.gap_percent !== null) bar.value = 100 - run.gap_percent;
    if (!["queued", "running"].includes(run.status)) window.location.reload();
  }
  setInterval(poll, 1000);
})();
