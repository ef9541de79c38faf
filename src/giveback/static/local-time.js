// Moments in the viewer's own time zone: the server writes each <time data-local> in UTC, which stays when
// scripts are off; here it becomes the browser's local time, written in the page's language (the UTC text moves
// to the tooltip).
(function () {
  // The page's language, not the browser's regional variant: dates then read the same as the ones the server
  // writes (Babel's medium form, "Mar 3, 2027" on an English page), one format on every page.
  const language = document.documentElement.lang || undefined;
  const day = { year: "numeric", month: "short", day: "numeric" };
  const moment = { ...day, hour: "numeric", minute: "2-digit", timeZoneName: "short" };
  document.querySelectorAll("time[data-local]").forEach((node) => {
    const when = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) return;
    node.title = node.textContent;
    node.textContent = when.toLocaleString(language, node.dataset.local === "date" ? day : moment);
  });
})();
