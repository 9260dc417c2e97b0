// govdata — the data items editor of a catalog entry: add rows, move them, remove them, and
// paste rows copied from a spreadsheet. The page works without it: rows are posted as a Django
// formset and pasted rows go through the paste box, both parsed and checked on the server.
(function () {
  "use strict";

  function editor(root) {
    var prefix = root.getAttribute("data-prefix");
    var body = root.querySelector("[data-items-body]");
    var template = root.querySelector("[data-item-template]");
    var total = root.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var pasteBox = root.querySelector("textarea[name='rows']");
    var pasteButton = root.querySelector("[data-paste-rows]");

    function rows() {
      return Array.prototype.slice.call(body.querySelectorAll("[data-item-row]"));
    }

    // Positions follow the rows as shown: the server orders the items by ORDER.
    function renumber() {
      rows().forEach(function (row, index) {
        var order = row.querySelector("input[name$='-ORDER']");
        if (order) order.value = String(index + 1);
        var cell = row.querySelector("[data-item-number]");
        if (cell) cell.textContent = String(index + 1);
      });
    }

    function addRow() {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      renumber();
      var added = rows()[rows().length - 1];
      var first = added && added.querySelector("input[type=text], input:not([type])");
      if (first) first.focus();
    }

    root.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-add-item]")) {
        event.preventDefault();
        addRow();
        return;
      }
      var move = target.closest("[data-move]");
      if (move) {
        event.preventDefault();
        var row = move.closest("[data-item-row]");
        if (move.getAttribute("data-move") === "up" && row.previousElementSibling) {
          body.insertBefore(row, row.previousElementSibling);
        } else if (move.getAttribute("data-move") === "down" && row.nextElementSibling) {
          body.insertBefore(row.nextElementSibling, row);
        }
        renumber();
        move.focus();
      }
    });

    // A removed row stays until the form is saved, greyed out, so that removing can be undone.
    root.addEventListener("change", function (event) {
      if (event.target.name && /-DELETE$/.test(event.target.name)) {
        event.target.closest("[data-item-row]").classList.toggle("item-row--removed", event.target.checked);
      }
    });

    // Cells pasted into the table (tabs or several lines) go to the server's parser, which
    // knows header rows and Chinese type names, and come back as rows of the editor.
    body.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!text || (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) || !pasteBox || !pasteButton) {
        return;
      }
      event.preventDefault();
      pasteBox.value = text;
      pasteButton.click();
    });

    // Inline checks as the compiler types: the name pattern, the required label.
    root.addEventListener("focusout", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("input[pattern]")) return;
      var invalid = input.value !== "" && !input.checkValidity();
      input.classList.toggle("input--invalid", invalid);
      input.setAttribute("aria-invalid", invalid ? "true" : "false");
      var note = input.parentNode.querySelector(".errorlist--live");
      if (invalid && !note) {
        note = document.createElement("div");
        note.className = "errorlist errorlist--live";
        note.setAttribute("role", "status");
        note.textContent = input.getAttribute("title") || "";
        input.parentNode.appendChild(note);
      } else if (!invalid && note) {
        note.parentNode.removeChild(note);
      }
    });

    renumber();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-items-editor]"), editor);
  });
})();
