// Inline formsets (job description duties and expertise): "Add" clones the empty row in place
// instead of a round trip; "Remove" on a new row marks it deleted and hides it. Without
// JavaScript the same buttons submit the form and the server adds a row.
(function () {
  "use strict";

  function setup(fieldset) {
    var body = fieldset.querySelector("[data-formset-body]");
    var template = fieldset.querySelector("template[data-formset-empty]");
    var addButton = fieldset.querySelector("[data-formset-add]");
    var total = fieldset.querySelector("input[name$='-TOTAL_FORMS']");
    if (!body || !template || !addButton || !total) return;

    function wireRemove(scope) {
      scope.querySelectorAll("[data-formset-remove]").forEach(function (button) {
        button.classList.remove("d-none");
        button.addEventListener("click", function () {
          var row = button.closest("[data-formset-row]");
          var del = row.querySelector("input[name$='-DELETE']");
          if (del) {
            if (del.type === "checkbox") { del.checked = true; } else { del.value = "on"; }
          }
          row.querySelectorAll("input[type='text'], input:not([type])").forEach(function (input) {
            input.value = "";
          });
          row.hidden = true;
        });
      });
    }

    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      body.appendChild(row);
      total.value = String(index + 1);
      wireRemove(row);
      var first = row.querySelector("input:not([type='hidden']), select");
      if (first) first.focus();
    });

    wireRemove(body);
  }

  document.querySelectorAll("[data-formset]").forEach(setup);
})();
