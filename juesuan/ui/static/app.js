// Subject suggestions on the compare page: as the analyst types a code or part of a name (in Chinese),
// ask /api/subjects and offer the matches, best first. Without script the page still works: the
// server lists the matches when a name is ambiguous.
(function () {
  const input = document.getElementById("subject");
  if (!input) return;
  const options = document.getElementById("subject-options");
  const live = document.getElementById("live-suggestions");
  let pending = null;
  input.addEventListener("input", function () {
    const text = input.value.trim();
    if (pending) clearTimeout(pending);
    if (!text) { live.hidden = true; return; }
    pending = setTimeout(async function () {
      const response = await fetch("/api/subjects?q=" + encodeURIComponent(text));
      if (!response.ok) return;
      const matches = await response.json();
      options.innerHTML = "";
      live.innerHTML = "";
      for (const match of matches) {
        const option = document.createElement("option");
        option.value = match.key;
        option.label = match.label;
        options.appendChild(option);
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/compare?subject=" + encodeURIComponent(match.key);
        link.className = "suggestion";
        link.dataset.key = match.key;
        link.textContent = match.label + (match.level ? "（" + match.level + "）" : "") + " · " + match.units + " 个单位填报";
        item.appendChild(link);
        live.appendChild(item);
      }
      live.hidden = matches.length === 0;
    }, 150);
  });
})();
