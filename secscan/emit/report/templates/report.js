(function () {
  "use strict";
  var q = document.getElementById("f-q");
  var sev = document.getElementById("f-sev");
  var tool = document.getElementById("f-tool");
  var supp = document.getElementById("f-supp");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr.finding"));
  var shown = document.getElementById("visible-count");
  var empty = document.getElementById("no-match");

  function readHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    if (params.has("q")) { q.value = params.get("q"); }
    if (params.has("sev")) { sev.value = params.get("sev"); }
    if (params.has("tool")) { tool.value = params.get("tool"); }
    if (params.has("suppressed")) { supp.checked = params.get("suppressed") === "1"; }
  }

  function writeHash() {
    var params = new URLSearchParams();
    if (q.value) { params.set("q", q.value); }
    if (sev.value) { params.set("sev", sev.value); }
    if (tool.value) { params.set("tool", tool.value); }
    if (supp.checked) { params.set("suppressed", "1"); }
    var text = params.toString();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", text ? "#" + text : window.location.pathname);
    }
  }

  function apply() {
    var needle = q.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok = (!needle || row.getAttribute("data-text").indexOf(needle) !== -1) &&
        (!sev.value || row.getAttribute("data-sev") === sev.value) &&
        (!tool.value || row.getAttribute("data-tool") === tool.value) &&
        (supp.checked || row.getAttribute("data-suppressed") !== "1");
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
    empty.hidden = count !== 0;
    document.body.setAttribute("data-filtered", "1");
  }

  function changed() { apply(); writeHash(); }

  readHash();
  apply();
  q.addEventListener("input", changed);
  sev.addEventListener("change", changed);
  tool.addEventListener("change", changed);
  supp.addEventListener("change", changed);
  window.addEventListener("hashchange", function () { readHash(); apply(); });
})();
