// Xuequ: the little script the pages need. Everything works without it.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (t) { document.getElementById(t.getAttribute("data-toggle")).classList.toggle("open"); }
    if (e.target.closest("[data-print]")) { window.print(); }
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
    // One submit per click: a slow import must not be sent twice.
    var b = f.querySelector("button[type=submit]");
    if (b) { setTimeout(function () { b.disabled = true; }, 0); }
  });
  // Filter selects that reload the page as soon as they change (the button stays for no-JS use).
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]")) { e.target.form.submit(); }
  });
  // A page that answers a form with a place of its own (a new account) shows that place's address,
  // so a reload or a bookmark does not go back to the form.
  var canonical = document.querySelector("[data-canonical]");
  if (canonical && window.history.replaceState) { window.history.replaceState(null, "", canonical.getAttribute("data-canonical")); }
  // Account form: show only the scope field the chosen role needs.
  var role = document.querySelector("[data-role-select]");
  if (role) {
    var sync = function () {
      document.querySelectorAll("[data-scope]").forEach(function (el) {
        el.hidden = el.getAttribute("data-scope") !== role.value;
      });
    };
    role.addEventListener("change", sync);
    sync();
  }
  // Long pickers (select[data-filter], or any select of more than 30 options): a search box above
  // the list keeps the options whose text holds what is typed (code, name or district), and picks
  // the only one left. Without the script the select works as it is.
  document.querySelectorAll("select[data-filter], select:not([data-autosubmit]):not([multiple])").forEach(function (sel) {
    if (!sel.hasAttribute("data-filter") && sel.options.length <= 30) { return; }
    var all = Array.prototype.map.call(sel.options, function (o) { return o; });
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.setAttribute("aria-label", document.documentElement.lang === "en" ? "Search the list" : "搜索列表");
    box.placeholder = document.documentElement.lang === "en" ? "Type a code or a name…" : "输入代码或名称筛选…";
    sel.parentNode.insertBefore(box, sel);
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var chosen = sel.value;
      sel.innerHTML = "";
      var shown = all.filter(function (o) { return !o.value || !q || o.text.toLowerCase().indexOf(q) >= 0; });
      shown.forEach(function (o) { sel.appendChild(o); });
      var real = shown.filter(function (o) { return o.value; });
      if (real.length === 1) { sel.value = real[0].value; }
      else if (shown.some(function (o) { return o.value === chosen; })) { sel.value = chosen; }
    });
  });
})();
