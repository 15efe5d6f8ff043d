// "Delete …?" asked in a dialog of the page (the no-JavaScript path has its own page for it).

export function confirmDelete(name) {
  const dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-title");
  const title = document.createElement("h2");
  title.id = "confirm-title";
  title.textContent = `Delete “${name}”?`;
  const text = document.createElement("p");
  text.textContent = "The original and its previews will be removed. This cannot be undone.";
  const buttons = document.createElement("div");
  buttons.className = "confirm-buttons";
  const keep = button("Keep it", "secondary");
  const remove = button("Delete", "danger");
  buttons.append(keep, remove);
  dialog.append(title, text, buttons);
  document.body.append(dialog);

  return new Promise((resolve) => {
    keep.addEventListener("click", () => dialog.close("keep"));
    remove.addEventListener("click", () => dialog.close("delete"));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "delete");
    });
    dialog.showModal();
    keep.focus();
  });
}

function button(text, className) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = text;
  return element;
}
