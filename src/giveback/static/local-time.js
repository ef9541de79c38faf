// Moments in the viewer's own time zone: the server writes each <time data-local> in UTC, which stays when
// scripts are off; here it becomes the browser's local time, written in the page's language (the UTC text moves
// to the tooltip).
(function () {
  // The browser's own regional variant when it speaks the page's language (en-GB on an English page), else
  // the page's language.
  const page = document.documentElement.lang || "";
  const browser = navigator.language || "";
  const same = page && browser.split("-")[0].toLowerCase() === page.split("-")[0].toLowerCase();
  const language = same ? browser : page || undefined;
  const day = { year: "numeric", month: "short", day: "numeric" };
  const moment = { ...day, hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  document.querySelectorAll("time[data-local]").forEach((node) => {
    const when = new Date(node.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) return;
    node.title = node.textContent;
    node.textContent = when.toLocaleString(language, node.dataset.local === "date" ? day : moment);
  });
})();
