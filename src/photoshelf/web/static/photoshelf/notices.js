// Short confirmations at the top of the page, in the same place and style as the server's.

export function notify(text, kind = "success") {
  return notice(text, kind);
}

// "Moved to trash — Undo" for `seconds`: onUndo() runs on a click, and the notice goes.
export function notifyUndo(text, seconds, onUndo) {
  const item = notice(text, "success");
  item.classList.add("notice-undo");
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "link undo";
  undo.textContent = "Undo";
  item.append(" — ", undo);
  const timer = setTimeout(() => item.remove(), seconds * 1000);
  undo.addEventListener("click", async () => {
    clearTimeout(timer);
    undo.disabled = true;
    if (await onUndo()) item.remove();
    else undo.disabled = false;
  });
  return item;
}

function notice(text, kind) {
  let list = document.querySelector("main > .notices");
  if (!list) {
    list = document.createElement("ul");
    list.className = "notices";
    list.setAttribute("aria-live", "polite");
    document.querySelector("main").prepend(list);
  }
  const item = document.createElement("li");
  item.className = `notice notice-${kind}`;
  item.textContent = text;
  list.append(item);
  return item;
}
