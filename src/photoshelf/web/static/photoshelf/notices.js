// Short confirmations at the top of the page, in the same place and style as the server's.

export function notify(text, kind = "success") {
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
}
