// Delete buttons: confirm in a dialog; in the gallery, delete through the API and remove the
// card in place; elsewhere (the image page), post the form as confirmed.
import { confirmDelete, confirmPurge, trashDays } from "./confirm.js";
import { deleteImage, restoreImage } from "./http.js";
import { notify, notifyUndo } from "./notices.js";

const UNDO_SECONDS = 8; // how long "Moved to trash — Undo" stays

export function initDeleteForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.classList && form.classList.contains("purge-form")) {
      event.preventDefault();
      if (await confirmPurge(form.dataset.question)) submitConfirmed(form);
      return;
    }
    if (!form.classList || !form.classList.contains("delete-form")) return;
    event.preventDefault();
    const name = form.dataset.name || "this photo";
    if (!(await confirmDelete(name))) return;
    const card = form.closest(".card");
    if (card) {
      await removeCard(card);
      return;
    }
    submitConfirmed(form);
  });
}

function submitConfirmed(form) {
  const confirmed = document.createElement("input");
  confirmed.type = "hidden";
  confirmed.name = "confirmed";
  confirmed.value = "yes";
  form.append(confirmed);
  form.submit();
}

// Deletes the card's image and removes the card; used by the cards and by the lightbox.
export async function removeCard(card) {
  try {
    await deleteImage(card.dataset.imageId);
  } catch {
    notify(`“${card.dataset.name}” could not be deleted. Please try again.`, "error");
    return false;
  }
  const list = card.parentElement;
  const next = card.nextElementSibling;
  card.remove();
  let empty = null;
  if (list && !list.querySelector(".card")) {
    empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = "No photos here any more.";
    list.after(empty);
  }
  if (!trashDays()) {
    notify(`“${card.dataset.name}” was deleted.`);
    return true;
  }
  notifyUndo(`“${card.dataset.name}” moved to trash`, UNDO_SECONDS, async () => {
    try {
      await restoreImage(card.dataset.imageId);
    } catch {
      notify(`“${card.dataset.name}” could not be restored. Try again from the trash.`, "error");
      return false;
    }
    // Back where it was: before the card that followed it, if that is still there.
    if (next && next.parentElement === list) list.insertBefore(card, next);
    else if (list) list.append(card);
    if (empty) empty.remove();
    notify(`“${card.dataset.name}” is back.`);
    return true;
  });
  return true;
}
