// The pages' only script besides htmx (the CSP allows scripts from /static only, no inline code).
// 1. "删除" on a member row of the household form removes that row.
// 2. An upload form with data-upload-progress drives its <progress> from htmx's xhr progress events.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest(".member-row");
    if (row) row.remove();
  });

  function progressBar(form) {
    var selector = form && form.getAttribute("data-upload-progress");
    return selector ? document.querySelector(selector) : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var bar = progressBar(event.target);
    if (bar) {
      bar.value = 0;
      bar.classList.add("is-active");
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = progressBar(event.target);
    if (bar && event.detail.lengthComputable && event.detail.total > 0) {
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var bar = progressBar(event.target);
    if (bar) bar.value = 100;
  });
})();

// Payments: "打印公示名单" on the public disclosure page prints it (no inline handlers under the CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();

// The phone layout: each table cell carries its column's name (data-label), which the narrow stylesheet
// shows before the value when rows become cards; refreshed after every htmx swap.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("table.table").forEach(function (table) {
      var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (names[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSettle", function () { label(document); });
})();
