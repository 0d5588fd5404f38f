// Multi-select filters (a fieldset of checkboxes, .filter-choices[data-searchable]): a search
// box, shown only when this script runs, narrows the visible choices; checked ones stay
// visible, and a count says how many are chosen (in the page's language: the template gives
// the words as data-chosen-one and data-chosen-many, "{n} chosen"). Without JavaScript every
// checkbox is listed.
(function () {
  "use strict";

  document.querySelectorAll(".filter-choices[data-searchable]").forEach(function (fieldset) {
    const box = fieldset.querySelector(".choice-search");
    const input = box && box.querySelector("input");
    const none = fieldset.querySelector(".choice-none");
    const chosen = fieldset.querySelector(".choice-count");
    const options = Array.from(fieldset.querySelectorAll("input[type=checkbox]")).map(
      function (checkbox) {
        const row = checkbox.closest("div") || checkbox.parentElement;
        return { checkbox: checkbox, row: row, text: row.textContent.toLowerCase() };
      }
    );
    if (!input || !options.length) return;
    box.hidden = false;
    fieldset.classList.add("searchable");

    const count = function () {
      const n = options.filter(function (o) { return o.checkbox.checked; }).length;
      const words = n === 1 ? fieldset.dataset.chosenOne : fieldset.dataset.chosenMany;
      chosen.textContent = n ? (words || "{n} chosen").replace("{n}", String(n)) : "";
    };
    const filter = function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      options.forEach(function (o) {
        const match = o.checkbox.checked || words.every(function (w) { return o.text.includes(w); });
        o.row.hidden = !match;
        if (match) shown += 1;
      });
      none.hidden = shown > 0;
    };
    input.addEventListener("input", filter);
    input.addEventListener("keydown", function (event) {
      // Enter in the search box narrows the list; it does not submit the whole form.
      if (event.key === "Enter") event.preventDefault();
    });
    fieldset.addEventListener("change", count);
    count();
  });
})();
