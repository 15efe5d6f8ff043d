// "Delete …?" asked in a dialog of the page (the no-JavaScript path has its own page for it).

// The site's trash: <body data-trash-days>, 0 when Delete is final.
export function trashDays() {
  return Number(document.body.dataset.trashDays || 0);
}

export function confirmDelete(name) {
  const days = trashDays();
  const consequence = days
    ? `It moves to the trash, where it can be restored for ${days} day${days === 1 ? "" : "s"}.`
    : "The original and its previews will be removed. This cannot be undone.";
  return ask(`Delete “${name}”?`, consequence, "Keep it", "Delete");
}

// Asked before anything leaves the trash for good.
export function confirmPurge(question) {
  const consequence = "The original and its previews will be removed. This cannot be undone.";
  return ask(question, consequence, "Keep it", "Delete forever");
}

function ask(question, consequence, keepText, removeText) {
  const dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-title");
  const title = document.createElement("h2");
  title.id = "confirm-title";
  title.textContent = question;
  const text = document.createElement("p");
  text.textContent = consequence;
  const buttons = document.createElement("div");
  buttons.className = "confirm-buttons";
  const keep = button(keepText, "secondary");
  const remove = button(removeText, "danger");
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
