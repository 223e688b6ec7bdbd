// Intake page: add person fieldsets without reloading (the link works without script
// too), and send an uploaded case list as the raw request body, so the server never
// passes it through a multipart parser that could spill it into a temporary file.
(function () {
  "use strict";
  // After a refused save, the first field that needs attention has the focus (its error
  // is its description), so a keyboard or screen-reader user lands on it.
  var invalid = document.querySelector('#report-form [aria-invalid="true"]');
  if (invalid) {
    var target = invalid.matches("fieldset") ? invalid.querySelector("input") : invalid;
    if (target) target.focus();
  }
  var add = document.getElementById("add-mention");
  var box = document.getElementById("mentions");
  var template = document.getElementById("mention-template");
  if (add && box && template) {
    add.addEventListener("click", function (event) {
      var count = box.querySelectorAll("fieldset.mention").length;
      if (count >= Number(add.dataset.max || 30)) return;
      event.preventDefault();
      var html = template.innerHTML.split("m999_").join("m" + count + "_");
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fieldset = holder.querySelector("fieldset");
      fieldset.dataset.index = String(count);
      fieldset.querySelector(".mention-number").textContent = String(count + 1);
      box.appendChild(fieldset);
      add.href = "/intake?mentions=" + (count + 2);
      var first = fieldset.querySelector("input");
      if (first) first.focus();
    });
  }

  var form = document.getElementById("upload-form");
  var preview = document.getElementById("upload-preview");
  if (!form || !preview) return;
  var token = document.querySelector('meta[name="csrf-token"]');
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = form.querySelector('input[type="file"]');
    var file = input && input.files && input.files[0];
    if (!file) return;
    if (file.size > Number(form.dataset.maxBytes)) {
      preview.textContent = form.dataset.tooLarge;
      return;
    }
    preview.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/octet-stream",
        "X-File-Name": encodeURIComponent(file.name),
        "X-CSRF-Token": token ? token.content : ""
      },
      body: file
    }).then(function (response) {
      return response.text().then(function (html) {
        // The answer is a fragment rendered (and escaped) by the server; an error answer
        // is a whole page, of which only the message is shown.
        var doc = new DOMParser().parseFromString(html, "text/html");
        var main = doc.querySelector("main");
        var root = main ? main : doc.body;
        if (!root) throw new Error(String(response.status));
        preview.replaceChildren.apply(preview, Array.prototype.slice.call(root.childNodes));
      });
    }).catch(function () {
      preview.textContent = form.dataset.failed;
    }).finally(function () {
      preview.removeAttribute("aria-busy");
    });
  });
})();
