// The gallery: "load more" in place, sort/filter on change, and the lightbox.
import { confirmDelete } from "./confirm.js";
import { removeCard } from "./delete.js";
import { getHTML } from "./http.js";

export function initGallery() {
  const cards = document.querySelector(".gallery .cards");
  if (!cards) return;
  initBrowseForm();
  initLoadMore(cards);
  initLightbox(cards);
}

// A new upload joins the grid when the grid shows the newest uploads first, unfiltered.
export async function addCard(id, cardsUrl = "/images/") {
  const cards = document.querySelector(".gallery .cards[data-newest-first=yes]");
  if (!cards || document.getElementById(`image-${id}`)) return;
  const html = await getHTML(`${cardsUrl}${id}/card`);
  const card = html.querySelector(".card");
  if (!card || document.getElementById(card.id)) return;
  cards.prepend(document.adoptNode(card));
  document.querySelectorAll(".gallery .empty").forEach((empty) => empty.remove());
}

function initBrowseForm() {
  const form = document.querySelector("form.browse");
  if (!form) return;
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") form.requestSubmit();
  });
  // Leave empty filters out of the address, so a bookmark reads `?sort=taken&order=asc`.
  form.addEventListener("submit", () => {
    for (const field of form.elements) {
      if (field.name && !field.value) field.disabled = true;
    }
  });
}

function initLoadMore(cards) {
  const pager = document.querySelector(".gallery .pager");
  if (!pager) return;
  pager.addEventListener("click", async (event) => {
    const more = event.target.closest("a.more");
    if (!more) return;
    event.preventDefault();
    await loadMore(cards, more);
  });
}

async function loadMore(cards, more) {
  if (more.getAttribute("aria-busy") === "true") return;
  more.setAttribute("aria-busy", "true");
  const url = new URL(more.href);
  url.searchParams.set("fragment", "cards");
  try {
    const html = await getHTML(url);
    for (const card of html.querySelectorAll(".card")) {
      if (!document.getElementById(card.id)) cards.append(document.adoptNode(card));
    }
    const next = html.querySelector("a.more");
    if (next) more.href = next.href;
    else more.remove();
  } finally {
    more.removeAttribute("aria-busy");
  }
}

function initLightbox(cards) {
  const dialog = document.querySelector("dialog.lightbox");
  if (!dialog) return;
  const parts = {
    image: dialog.querySelector(".lightbox-image"),
    title: dialog.querySelector(".lightbox-title"),
    facts: dialog.querySelector(".lightbox-facts"),
    page: dialog.querySelector(".lightbox-page"),
    original: dialog.querySelector(".lightbox-original"),
    prev: dialog.querySelector(".lightbox-prev"),
    next: dialog.querySelector(".lightbox-next"),
  };
  let current = null;

  const all = () => [...cards.querySelectorAll(".card")];

  async function show(card) {
    current = card;
    const list = all();
    const index = list.indexOf(card);
    dialog.dataset.imageId = card.dataset.imageId;
    parts.image.src = card.dataset.preview;
    parts.image.alt = card.dataset.name;
    parts.title.textContent = card.dataset.name;
    parts.page.href = card.dataset.page;
    parts.original.href = card.dataset.original;
    parts.prev.disabled = index <= 0;
    parts.next.disabled = index >= list.length - 1 && !document.querySelector(".pager a.more");
    parts.facts.replaceChildren();
    parts.page.hidden = !card.dataset.page;
    const remove = dialog.querySelector(".lightbox-delete"); // absent on a shared page
    if (remove) remove.hidden = !card.querySelector(".delete-form");
    if (!card.dataset.page) {
      // A shared page's card has no image page to read: its own facts are all there is.
      const facts = card.querySelector(".facts");
      if (facts) parts.facts.replaceChildren(facts.cloneNode(true));
      return;
    }
    // The facts come from the image page itself, so the lightbox shows whatever it shows.
    try {
      const html = await getHTML(card.dataset.page);
      const shown = [...html.querySelectorAll(".image-page .exposure, .image-page .facts")];
      if (current === card) parts.facts.replaceChildren(...shown.map((n) => document.adoptNode(n)));
    } catch {
      parts.facts.textContent = "The details could not be loaded.";
    }
  }

  async function step(delta) {
    if (!current) return;
    let list = all();
    let index = list.indexOf(current) + delta;
    const more = document.querySelector(".pager a.more");
    if (index >= list.length && more) {
      await loadMore(cards, more);
      list = all();
    }
    if (index >= 0 && index < list.length) await show(list[index]);
  }

  cards.addEventListener("click", (event) => {
    const thumb = event.target.closest(".thumb");
    if (!thumb || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    show(thumb.closest(".card"));
    dialog.showModal();
  });
  parts.prev.addEventListener("click", () => step(-1));
  parts.next.addEventListener("click", () => step(1));
  dialog.querySelector(".lightbox-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
    if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  dialog.addEventListener("close", () => {
    const thumb = current && current.isConnected && current.querySelector(".thumb");
    if (thumb) thumb.focus();
    current = null;
  });
  dialog.querySelector(".lightbox-delete")?.addEventListener("click", async () => {
    const card = current;
    if (!card || !(await confirmDelete(card.dataset.name))) return;
    const list = all();
    const index = list.indexOf(card);
    const neighbour = list[index + 1] || list[index - 1];
    if (!(await removeCard(card))) return;
    if (neighbour) await show(neighbour);
    else dialog.close();
  });
}
