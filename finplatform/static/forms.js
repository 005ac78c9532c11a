// Forms people can fill: an amount typed in 万元 shows its exact yuan beneath as you type
// (string arithmetic, so 0.000001万元 is exactly ¥0.01), and a long checkbox list filters by
// what is typed in its search box.
(function () {
  "use strict";

  // "1,234.5" (万元) -> "¥12,345,000.00"; null when the text is not an amount with ≤ 6 decimals.
  function wanToYuan(text) {
    var match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.replace(/[,，\s]/g, ""));
    if (!match || (match[2] === "" && !match[3])) {
      return null;
    }
    var fraction = match[3] || "";
    if (fraction.length > 6) {
      return null;
    }
    fraction = (fraction + "000000").slice(0, 6);
    var whole = ((match[2] || "0") + fraction.slice(0, 4)).replace(/^0+(?=\d)/, "");
    return match[1] + "¥" + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + fraction.slice(4);
  }

  function echo(input) {
    var shown = document.createElement("div");
    shown.className = "form-text wan-echo";
    shown.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", shown);
    function update() {
      var yuan = input.value.trim() ? wanToYuan(input.value) : null;
      shown.textContent = yuan === null ? "" : "= " + yuan;
    }
    input.addEventListener("input", update);
    update();
  }

  function filterable(box) {
    var search = box.querySelector("[data-choice-filter]");
    if (!search) {
      return;
    }
    search.addEventListener("input", function () {
      var wanted = search.value.trim().toLowerCase();
      box.querySelectorAll("[data-choice]").forEach(function (choice) {
        choice.hidden = wanted !== "" && choice.textContent.toLowerCase().indexOf(wanted) < 0;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-wan-amount]").forEach(echo);
    document.querySelectorAll(".checkbox-group").forEach(filterable);
  });
})();
