/* The checklist's unsaved input survives a save of another section.
 *
 * Each section of the checklist is its own form: saving one reloads the page, which would drop
 * what was typed in the others. What the user types is kept in this tab's sessionStorage, per
 * section, until that section is submitted (the server then shows it again, saved or with its
 * errors), and put back in the fields when the page loads. Files cannot be put back (browsers
 * do not allow it). Without JavaScript the page works the same, without this memory.
 */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-drafts]");
  if (!forms.length) return;
  var key = "checklist-drafts:" + forms[0].getAttribute("data-drafts");

  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(key)) || {}; } catch (e) { return {}; }
  }
  function save(drafts) {
    try { window.sessionStorage.setItem(key, JSON.stringify(drafts)); } catch (e) { /* full or off */ }
  }
  function kept(field) {
    return field.name && field.type !== "file" && field.type !== "hidden" && field.type !== "submit";
  }

  var drafts = load();
  Array.prototype.forEach.call(forms, function (form) {
    var typed = drafts[form.id] || {};
    var names = Object.keys(typed);
    names.forEach(function (name) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name !== name || !kept(field)) return;
        if (field.type === "radio") field.checked = field.value === typed[name];
        else field.value = typed[name];
      });
    });
    var note = form.querySelector("[data-draft-note]");
    if (names.length && note) note.hidden = false;

    function remember(event) {
      var field = event.target;
      if (!kept(field) || (field.type === "radio" && !field.checked)) return;
      drafts[form.id] = drafts[form.id] || {};
      drafts[form.id][field.name] = field.value;
      save(drafts);
    }
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    form.addEventListener("submit", function () {
      delete drafts[form.id];
      save(drafts);
    });
  });
})();
