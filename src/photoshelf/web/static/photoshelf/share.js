// The share dialog: "Copy" puts the new link on the clipboard (the field stays selectable
// without JavaScript, or where the clipboard is not offered: plain HTTP off localhost).
export function initShare() {
  for (const button of document.querySelectorAll(".copy-link")) {
    const field = document.querySelector(button.dataset.copy);
    if (!field) continue;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy";
      }
    });
  }
}
