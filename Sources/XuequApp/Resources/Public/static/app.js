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
})();
