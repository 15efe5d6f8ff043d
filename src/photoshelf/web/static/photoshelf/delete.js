// Delete buttons: confirm in a dialog; in the gallery, delete through the API and remove the
// card in place; elsewhere (the image page), post the form as confirmed.
import { confirmDelete } from "./confirm.js";
import { deleteImage } from "./http.js";
import { notify } from "./notices.js";

export function initDeleteForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.classList || !form.classList.contains("delete-form")) return;
    event.preventDefault();
    const name = form.dataset.name || "this photo";
    if (!(await confirmDelete(name))) return;
    const card = form.closest(".card");
    if (card) {
      await removeCard(card);
      return;
    }
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "yes";
    form.append(confirmed);
    form.submit();
  });
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
  card.remove();
  notify(`“${card.dataset.name}” was deleted.`);
  if (list && !list.querySelector(".card")) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = "No photos here any more.";
    list.after(empty);
  }
  return true;
}
