// The site menu: on a narrow screen a "Menu" button shows and hides it (without scripts it is always shown);
// the menu's groups (<details>) close when another one opens, when the person clicks elsewhere or presses Escape.
"use strict";
(function () {
  var button = document.querySelector(".menu-button");
  var menu = document.getElementById("site-menu");
  if (button && menu) {
    button.hidden = false;
    document.documentElement.classList.add("menu-ready");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  var groups = Array.prototype.slice.call(document.querySelectorAll(".menu-group"));
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) return;
      groups.forEach(function (other) { if (other !== group) other.open = false; });
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) { if (!group.contains(event.target)) group.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups.forEach(function (group) {
      if (group.open) { group.open = false; group.querySelector("summary").focus(); }
    });
  });
})();
