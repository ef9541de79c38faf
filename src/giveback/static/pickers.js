// Pickers (the `picker` macro of _forms.html): a field with one input per answer, each offering names from a
// <datalist>. Without scripts the page shows one empty input more than the answers; with them, "Add another"
// adds an input (labelled like the others) and moves the focus to it.
"use strict";
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  var add = picker.querySelector("[data-picker-add]");
  var rows = picker.querySelector(".picker-rows");
  if (!add || !rows) return;
  add.hidden = false;
  add.addEventListener("click", function () {
    var last = rows.lastElementChild;
    var row = last.cloneNode(true);
    var input = row.querySelector("input");
    var label = row.querySelector("label");
    var number = rows.children.length + 1;
    var id = input.id.replace(/-\d+$/, "-" + number);
    input.id = id;
    input.value = "";
    label.htmlFor = id;
    label.textContent = label.textContent.replace(/\d+(?!.*\d)/, String(number));
    rows.appendChild(row);
    input.focus();
  });
});
