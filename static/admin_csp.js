/*
 * The back office's behaviour that Flask-Admin wires with inline handlers (onclick="…"),
 * which our Content-Security-Policy blocks. The overridden templates under templates/admin/
 * mark the elements with data attributes instead; this file listens for them.
 * Loaded from templates/admin/app_base.html with the response's nonce.
 */
(function () {
  "use strict";

  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }

  document.addEventListener("click", function (event) {
    var el;

    // "With selected" → an action (admin/actions.html): modelActions comes from Flask-Admin's actions.js.
    el = closest(event.target, "a[data-action]");
    if (el) {
      event.preventDefault();
      if (window.modelActions) {
        window.modelActions.execute(el.getAttribute("data-action"));
      }
      return;
    }

    // "Add …" under an inline list (admin/model/inline_list_base.html): faForm comes from form.js.
    el = closest(event.target, "[data-inline-add]");
    if (el) {
      event.preventDefault();
      if (window.faForm) {
        window.faForm.addInlineField(el, el.getAttribute("data-inline-add"));
      }
      return;
    }

    // A filter name in "Add filter" (admin/model/layout.html): bs4_filters.js adds the row.
    el = closest(event.target, ".field-filters a.filter");
    if (el) {
      event.preventDefault();
      return;
    }

    // A button that asks first (admin/model/row_actions.html: delete).
    el = closest(event.target, "button[data-confirm], input[data-confirm]");
    if (el) {
      if (!window.confirm(el.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
      return;
    }

    // Links that only work through script: Flask-Admin's remaining href="javascript:void(0)"
    // (menus, pagination, tabs, tooltips) — following one would run a javascript: URL, which the
    // policy refuses — and the href="#" of our overrides, which would only jump to the top.
    el = closest(event.target, 'a[href^="javascript:"], a[href="#"]');
    if (el) {
      event.preventDefault();
    }
  }, true);  // capture: Flask-Admin's drop-down toggles stop the click before it bubbles up to document
})();

/*
 * The draw request's form (templates/admin/draw_request_form.html): a unit picked by name fills its credit
 * code and a code fills its name; project members pasted from a table become rows of the inline list.
 */
(function () {
  "use strict";

  function partner(input, from, to) {
    return document.getElementById(input.id.replace(new RegExp(from + "$"), to));
  }

  // The registered units whose name holds, or whose credit code begins with, what was typed: both lists
  // of choices are refilled with them (the server sends at most 20).
  function lookUp(typed) {
    var list = document.getElementById("known-units");
    if (!list || !typed) {
      return Promise.resolve([]);
    }
    return fetch(list.getAttribute("data-units-url") + "?q=" + encodeURIComponent(typed),
                 {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (units) {
        var byName = document.getElementById("known-units"), byCode = document.getElementById("known-unit-codes");
        byName.replaceChildren();
        byCode.replaceChildren();
        units.forEach(function (unit) {
          var a = document.createElement("option"), b = document.createElement("option");
          a.value = unit.name;
          a.setAttribute("data-code", unit.code);
          b.value = unit.code;
          b.textContent = unit.name;
          b.setAttribute("data-name", unit.name);
          byName.appendChild(a);
          byCode.appendChild(b);
        });
        return units;
      })
      .catch(function () { return []; });
  }

  var pending = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[list=known-units], input[list=known-unit-codes]")) {
      clearTimeout(pending);
      pending = setTimeout(function () { lookUp(input.value.trim()); }, 250);
    }
  });

  // A unit picked (or typed in full) by name fills its credit code; a code fills its name.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches) {
      return;
    }
    var byName = input.matches("input[list=known-units]"), byCode = input.matches("input[list=known-unit-codes]");
    if (!byName && !byCode) {
      return;
    }
    var typed = input.value.trim();
    var other = byName ? partner(input, "(unit_name|name)", "credit_code")
                       : partner(input, "credit_code", input.id.indexOf("members-") === 0 ? "unit_name" : "name");
    if (!typed || !other || other.value) {
      return;
    }
    lookUp(typed).then(function (units) {
      var unit = units.filter(function (u) { return byName ? u.name === typed : u.code === typed.toUpperCase(); })[0];
      if (unit && !other.value) {
        other.value = byName ? unit.code : unit.name;
      }
    });
  });

  function placePasteBox() {
    var box = document.getElementById("member-paste-box"), members = document.getElementById("members");
    if (box && members) {
      members.parentNode.insertBefore(box.content.cloneNode(true), members);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", placePasteBox);
  } else {
    placePasteBox();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-member-paste]") : null;
    if (!button || !window.faForm) {
      return;
    }
    event.preventDefault();
    var add = document.querySelector('[data-inline-add="members"]'), members = document.getElementById("members");
    var lines = document.getElementById("member-paste").value.split(/\r?\n/), added = 0, skipped = 0;
    lines.forEach(function (line) {
      var cells = line.split(/\t|,|，|\s{2,}/).map(function (c) { return c.trim(); }).filter(Boolean);
      if (cells.length < 2 && !line.trim()) {
        return;
      }
      if (cells.length === 1 || cells.length > 4) {
        cells = line.trim().split(/\s+/);
      }
      if (cells.length < 3) {
        skipped += 1;
        return;
      }
      if (cells.length === 3) {  // no project given: the one above it
        var projects = members.querySelectorAll('.inline-field-list input[id$="-project"]');
        cells.unshift(projects.length ? projects[projects.length - 1].value : "");
      }
      window.faForm.addInlineField(add, "members");
      var rows = members.querySelectorAll(".inline-field-list > .inline-field");
      var row = rows[rows.length - 1];
      [["project", 0], ["name", 1], ["unit_name", 2], ["credit_code", 3]].forEach(function (pair) {
        var field = row.querySelector('input[id$="-' + pair[0] + '"]');
        if (field) {
          field.value = cells[pair[1]] || "";
        }
      });
      added += 1;
    });
    var said = document.querySelector("[data-member-paste-said]");
    said.textContent = "已添加 " + added + " 人" + (skipped ? "；" + skipped + " 行少于三项未添加" : "") + "，请核对后保存。";
  });
})();
