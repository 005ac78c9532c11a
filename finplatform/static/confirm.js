// Destructive or irreversible actions ask first: a form carrying `data-confirm`, or posting to a
// route listed in the page's #confirmations template, opens the dialog saying what will happen;
// only "Confirm" sends it. `{name}` in the text reads the value of the form's field `name`.
document.addEventListener("DOMContentLoaded", function () {
  var dialog = document.getElementById("confirm-dialog");
  var listed = document.getElementById("confirmations");
  if (!dialog || !listed) {
    return;
  }
  var rules = Array.prototype.map.call(listed.content.querySelectorAll("[data-pattern]"), function (item) {
    return { pattern: new RegExp(item.dataset.pattern), text: item.textContent };
  });

  function textFor(form) {
    if (form.dataset.confirm) {
      return form.dataset.confirm;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return null;
    }
    var path = new URL(form.action, window.location.href).pathname;
    for (var i = 0; i < rules.length; i++) {
      if (rules[i].pattern.test(path)) {
        return rules[i].text;
      }
    }
    return null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirmed === "1") {
      delete form.dataset.confirmed;
      return;
    }
    var text = textFor(form);
    if (!text) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    document.getElementById("confirm-text").textContent = text.replace(/\{(\w+)\}/g, function (whole, name) {
      var field = form.elements.namedItem(name);
      return field && field.value !== undefined ? field.value : whole;
    });
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "confirm") {
        form.dataset.confirmed = "1";
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          form.submit();
        }
      }
    };
    dialog.showModal();
  }, true);
});
