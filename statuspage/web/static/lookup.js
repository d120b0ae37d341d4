// The lookup box and the copy button. Without this script the box leads to /r/ (which
// explains the short address) and the reference stays plain text to select.
(function () {
  "use strict";
  var REFERENCE = /^[2-9A-HJKMNP-Z]{6}$/;

  function normalize(text) {
    return text.replace(/[\s.\-_/]+/g, "").toUpperCase();
  }

  function say(form, template, typed) {
    var message = form.querySelector(".lookup-message");
    var help = form.getAttribute("data-help");
    message.textContent = template.replace("%s", typed) + (help ? " " + help : "");
    form.querySelector("input").setAttribute("aria-invalid", "true");
  }

  function find(form, event) {
    event.preventDefault();
    var typed = form.querySelector("input").value.trim();
    var reference = normalize(typed);
    if (!REFERENCE.test(reference)) {
      say(form, form.getAttribute("data-invalid"), typed);
      return;
    }
    var shard = form.getAttribute("data-refs") + "refs-" + reference.charAt(0) + ".json";
    fetch(shard).then(function (response) {
      return response.ok ? response.json() : {};
    }).catch(function () {
      return {};
    }).then(function (found) {
      if (Object.prototype.hasOwnProperty.call(found, reference)) {
        window.location.href = form.getAttribute("data-incidents") + found[reference] + "/";
      } else {
        say(form, form.getAttribute("data-unknown"), typed);
      }
    });
  }

  function copy(button) {
    var text = button.getAttribute("data-copy");
    var done = function () { button.textContent = button.getAttribute("data-done"); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  }

  document.querySelectorAll("form.lookup").forEach(function (form) {
    form.addEventListener("submit", function (event) { find(form, event); });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
