// The chat page's own script, run once when the page loads (rag.ui.app's launch options).
// 1. Gradio labels each chat message with its raw content (HTML) for screen readers: the label
//    is replaced by the message's plain text.
//    Its example questions are buttons in a "list" without list items: they become a group.
// 2. The chat follows a new question to the bottom, and a final answer (or decline, or error)
//    is scrolled to its first line, not to the end of a long list of passages.
() => {
  const LABEL_CHARS = 300;
  const FINAL = ".rag-meta, .rag-error, .rag-done";
  let shown = "";

  const plainLabels = (chat) => {
    for (const el of chat.querySelectorAll("[aria-label]")) {
      const label = el.getAttribute("aria-label");
      if (!label.includes("<")) continue;
      const who = label.split(":")[0];
      const text = el.textContent.replace(/\s+/g, " ").trim().slice(0, LABEL_CHARS);
      el.setAttribute("aria-label", `${who}: ${text}`);
    }
  };

  const exampleGroup = (chat) => {
    for (const el of chat.querySelectorAll(".examples[role='list']")) {
      el.setAttribute("role", "group");
      el.setAttribute("aria-label", "Example questions");
    }
  };

  const scroller = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowY;
      if ((overflow === "auto" || overflow === "scroll") && node.scrollHeight > node.clientHeight) {
        return node;
      }
    }
    return null;
  };

  const follow = (chat) => {
    const bots = chat.querySelectorAll("[data-testid='bot']");
    const last = bots[bots.length - 1];
    if (!last) {
      shown = "";
      return;
    }
    const final = Boolean(last.querySelector(FINAL));
    const key = `${bots.length}:${final}`;
    if (key === shown) return;
    shown = key;
    const box = scroller(last);
    if (!box) return;
    const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop = final ? box.scrollTop + top - 8 : box.scrollHeight;
  };

  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const chat = document.getElementById("chat");
      if (!chat) return;
      plainLabels(chat);
      exampleGroup(chat);
      follow(chat);
    });
  }).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-label"],
  });
}
