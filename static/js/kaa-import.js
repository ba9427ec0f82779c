/* KAA import: while the file is read on the server, say so (the button is disabled so it is not sent twice). */
(function () {
  "use strict";
  var box = document.getElementById("kaa-import");
  if (!box) { return; }
  var form = box.querySelector("form");
  var status = document.getElementById("kaa-import-status");
  if (!form || !status) { return; }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    var bar = document.createElement("progress");
    bar.setAttribute("aria-label", box.getAttribute("data-progress"));
    form.appendChild(bar);
    status.textContent = box.getAttribute("data-progress");
    status.classList.remove("visually-hidden");
  });
}());
