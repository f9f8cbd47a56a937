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
