// The annotation form: search the tag vocabulary, and show the confidence as a percentage.
(function () {
  "use strict";

  const search = document.getElementById("tag-search");
  const options = document.querySelectorAll("#tag-options li");
  const none = document.getElementById("tag-none");
  if (search && options.length) {
    search.closest(".tag-search").hidden = false;
    search.addEventListener("input", function () {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      options.forEach(function (option) {
        const haystack = option.dataset.search || "";
        const checked = option.querySelector("input").checked;
        const match = checked || words.every(function (w) { return haystack.includes(w); });
        option.hidden = !match;
        if (match) shown += 1;
      });
      none.hidden = shown > 0;
    });
  }

  const slider = document.querySelector('.confidence input[type="range"]');
  const output = document.getElementById("confidence-output");
  if (slider && output) {
    const show = function () {
      output.value = slider.value;
      slider.setAttribute("aria-valuetext", slider.value + " %");
    };
    slider.addEventListener("input", show);
    show();
  }
})();
