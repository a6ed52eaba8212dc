// Progressive enhancements only: every page works without JavaScript.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-row]");
  if (!button) return;
  event.preventDefault();
  var body = document.getElementById(button.getAttribute("data-add-row"));
  var rows = body.querySelectorAll("tr");
  if (!rows.length || rows.length >= 20) return;
  var last = rows[rows.length - 1];
  var clone = last.cloneNode(true);
  var index = rows.length;
  clone.querySelectorAll("input, select, textarea, label").forEach(function (el) {
    ["name", "id", "for"].forEach(function (attr) {
      var value = el.getAttribute(attr);
      if (value) el.setAttribute(attr, value.replace(/-(\d+)-/, "-" + index + "-"));
    });
    if (el.tagName !== "LABEL") el.value = "";
    el.removeAttribute("aria-invalid");
  });
  clone.querySelectorAll(".error").forEach(function (el) { el.remove(); });
  body.appendChild(clone);
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// Print and back buttons (no inline handlers: the Content-Security-Policy refuses them).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
  if (event.target.closest("[data-back]") && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// A printed page shows every chart's numbers: the closed <details> open for printing (the dashboard).
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details.chart-numbers").forEach(function (el) { el.open = true; });
});
