// Progressive enhancement only: every page works without this file.
// Delete buttons ask in a dialog instead of on a separate confirmation page.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("delete-form")) return;
  const name = form.dataset.name || "this photo";
  if (!window.confirm(`Delete “${name}”? This cannot be undone.`)) {
    event.preventDefault();
    return;
  }
  if (!form.querySelector("input[name=confirmed]")) {
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "yes";
    form.appendChild(confirmed);
  }
});
