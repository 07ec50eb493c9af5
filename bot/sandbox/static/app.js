// Buurtbot demo page: renders the fake Telegram's chats and acts as the demo's people.
// Plain JavaScript, no build step, nothing from outside 127.0.0.1.
"use strict";

const COLORS = ["#3f8fd2", "#4aa06b", "#b0569c", "#d0792f", "#7a6bd1"];
const state = { version: "", chats: new Map(), toastSeen: null, bot: null, map: null, mapFor: null };

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    toast(data.error || `Fout ${response.status}`, "error");
    throw new Error(data.error || response.statusText);
  }
  return data;
}

// -- polling ------------------------------------------------------------------------------

async function poll() {
  for (;;) {
    try {
      const data = await api(`/api/state?version=${encodeURIComponent(state.version)}`);
      render(data);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function render(data) {
  state.version = data.version;
  state.bot = data.bot;
  const clock = document.getElementById("clock");
  clock.textContent = data.clock;
  clock.classList.toggle("shifted", data.shifted);
  document.getElementById("about").textContent =
    `De echte bot (@${data.bot.username}) met een nep-Telegram op je eigen computer. ` +
    `Gegevens: ${data.data}; buurtgroep van wijk ${data.wijk}.`;
  data.chats.forEach((chat, index) => renderChat(chat, index));
  // Answers to button presses show once, as Telegram's small pop-ups; older ones stay quiet.
  const newest = data.toasts.length ? data.toasts[data.toasts.length - 1].n : -1;
  if (state.toastSeen !== null) {
    for (const item of data.toasts) {
      if (item.n > state.toastSeen) toast(item.text, item.alert ? "alert" : "");
    }
  }
  state.toastSeen = Math.max(newest, state.toastSeen ?? -1);
}

// -- one chat -----------------------------------------------------------------------------

function renderChat(chat, index) {
  let pane = state.chats.get(chat.id);
  if (!pane) pane = createPane(chat, index);
  pane.chat = chat;
  const list = pane.el.querySelector(".messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...chat.messages.map((message) => renderMessage(pane, message)));
  if (!chat.messages.length) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = "Nog geen berichten. Typ /start of een commando.";
    list.append(empty);
  }
  if (atBottom || !pane.scrolled) {
    list.scrollTop = list.scrollHeight;
    pane.scrolled = true;
  }
  const pinned = pane.el.querySelector(".pinned");
  pinned.hidden = !chat.pinned;
  if (chat.pinned) pinned.textContent = `📌 ${chat.pinned.text}`;
  renderKeyboard(pane, chat.keyboard);
  renderCommands(pane, chat.commands);
}

function createPane(chat, index) {
  const el = document.getElementById("chat-template").content.firstElementChild.cloneNode(true);
  el.dataset.chat = chat.persona || "group";
  el.classList.add(chat.kind);
  const avatar = el.querySelector(".avatar");
  avatar.textContent = chat.kind === "group" ? "👥" : chat.title.slice(0, 1);
  avatar.style.background = COLORS[index % COLORS.length];
  el.querySelector(".name").textContent = chat.title;
  el.querySelector(".role").textContent = chat.kind === "group"
    ? `groep · ${chat.members.length} leden` : `${chat.role} · privéchat met de bot`;
  const pane = { el, chat, scrolled: false };
  const speaker = el.querySelector(".speaker");
  if (chat.kind === "group") {
    speaker.hidden = false;
    for (const member of chat.members) {
      const option = document.createElement("option");
      option.value = member.id;
      option.textContent = member.name;
      speaker.append(option);
    }
  }
  el.querySelector(".composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = el.querySelector(".text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(pane, text);
  });
  el.querySelector(".attach").addEventListener("click", () => {
    const input = el.querySelector(".text");
    const caption = input.value.trim();
    input.value = "";
    api("/api/photo", { user_id: actor(pane), chat_id: pane.chat.id, caption });
  });
  el.querySelector(".menu").addEventListener("click", () => {
    const commands = el.querySelector(".commands");
    commands.hidden = !commands.hidden;
  });
  document.getElementById("chats").append(el);
  state.chats.set(chat.id, pane);
  return pane;
}

// Who acts in this pane: the chat's own person, or the speaker picked in the group.
function actor(pane) {
  if (pane.chat.kind === "private") return pane.chat.id;
  return Number(pane.el.querySelector(".speaker").value);
}

function send(pane, text) {
  return api("/api/send", { user_id: actor(pane), chat_id: pane.chat.id, text });
}

function renderMessage(pane, message) {
  const wrap = document.createElement("div");
  wrap.className = `msg ${message.from}`;
  wrap.dataset.id = message.id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (pane.chat.kind === "group" || message.from === "bot" && pane.chat.kind !== "private") {
    const sender = document.createElement("div");
    sender.className = "sender";
    sender.textContent = message.name;
    bubble.append(sender);
  }
  if (message.file) bubble.append(fileChip(message.file));
  if (message.photo) bubble.append(photoBox(message.photo));
  if (message.location) bubble.append(line(`📍 ${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`));
  if (message.venue) bubble.append(line(`📍 ${message.venue.title} — ${message.venue.address || ""}`));
  if (message.contact) bubble.append(line(`📞 ${message.contact}`));
  if (message.upload) bubble.append(line(`📄 ${message.upload}`));
  if (message.text) bubble.append(formatText(pane, message.text, message.entities));
  const meta = [];
  if (message.pinned) meta.push("📌 vastgezet");
  if (message.edited) meta.push("bewerkt");
  if (meta.length) {
    const info = document.createElement("div");
    info.className = "meta";
    info.textContent = meta.join(" · ");
    bubble.append(info);
  }
  wrap.append(bubble);
  if (message.buttons.length) wrap.append(inlineButtons(pane, message));
  return wrap;
}

function line(text) {
  const div = document.createElement("div");
  div.textContent = text;
  return div;
}

function fileChip(file) {
  const chip = document.createElement("div");
  chip.className = "attachment";
  const link = document.createElement("a");
  link.href = file.url;
  link.download = file.name;
  link.textContent = file.name;
  chip.append("📄 ", link, ` (${Math.max(1, Math.round(file.size / 1024))} kB)`);
  return chip;
}

function photoBox(name) {
  const box = document.createElement("div");
  box.className = "photo";
  box.textContent = `🖼️ foto (${name})`;
  return box;
}

// Telegram entities count UTF-16 units, like JavaScript strings: slice, never parse HTML.
function formatText(pane, text, entities) {
  const root = document.createElement("div");
  build(pane, text, entities, 0, text.length, root);
  return root;
}

function build(pane, text, entities, start, end, parent) {
  const inside = entities
    .filter((e) => e.offset >= start && e.offset + e.length <= end)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  let pos = start;
  for (const entity of inside) {
    if (entity.offset < pos) continue; // nested in the previous one: built there
    parent.append(text.slice(pos, entity.offset));
    const stop = entity.offset + entity.length;
    const element = entityElement(pane, entity, text.slice(entity.offset, stop));
    build(pane, text, inside.filter((e) => e !== entity && e.offset >= entity.offset && e.offset + e.length <= stop),
      entity.offset, stop, element);
    parent.append(element);
    pos = stop;
  }
  parent.append(text.slice(pos, end));
}

function entityElement(pane, entity, content) {
  const tags = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  if (tags[entity.type]) return document.createElement(tags[entity.type]);
  if (entity.type === "spoiler") {
    const span = document.createElement("span");
    span.className = "spoiler";
    return span;
  }
  if (entity.type === "bot_command") {
    const span = document.createElement("span");
    span.className = "cmd";
    span.addEventListener("click", () => send(pane, content.split("@")[0]));
    return span;
  }
  if (entity.type === "url" || entity.type === "text_link") {
    return linkElement(pane, entity.type === "url" ? content : entity.url);
  }
  return document.createElement("span");
}

function linkElement(pane, url) {
  const link = document.createElement("a");
  if (!/^https?:/i.test(url)) {
    link.title = url; // tg://user?id=... opens a profile in Telegram; the demo has none
    return link;
  }
  link.href = url;
  if (startLink(url)) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openStartLink(pane, url);
    });
  } else {
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
  return link;
}

// t.me/<this bot>?start=... opens the person's private chat with the bot and sends /start.
function startLink(url) {
  try {
    const parsed = new URL(url);
    return ["t.me", "telegram.me"].includes(parsed.host)
      && parsed.pathname.replace(/\//g, "") === state.bot.username
      && parsed.searchParams.has("start");
  } catch (error) {
    return false;
  }
}

async function openStartLink(pane, url) {
  const who = actor(pane);
  await api("/api/link", { user_id: who, url });
  const target = state.chats.get(who);
  if (target) target.el.scrollIntoView({ behavior: "smooth", inline: "center" });
}

function inlineButtons(pane, message) {
  const box = document.createElement("div");
  box.className = "inline-buttons";
  for (const row of message.buttons) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      if (button.data !== undefined) {
        element.addEventListener("click", () => api("/api/press", {
          user_id: actor(pane), chat_id: pane.chat.id, message_id: message.id, data: button.data,
        }));
      } else if (button.url) {
        element.classList.add("link");
        element.addEventListener("click", () => {
          if (startLink(button.url)) openStartLink(pane, button.url);
          else window.open(button.url, "_blank", "noopener");
        });
      } else {
        element.disabled = true;
        element.title = "Kan in de demo niet";
      }
      line.append(element);
    }
    box.append(line);
  }
  return box;
}

function renderKeyboard(pane, keyboard) {
  const box = pane.el.querySelector(".reply-keyboard");
  box.hidden = !keyboard;
  const key = JSON.stringify(keyboard);
  if (!keyboard || pane.keyboardKey === key) {
    pane.keyboardKey = key;
    return;
  }
  pane.keyboardKey = key;
  box.replaceChildren(...keyboard.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      element.dataset.kind = button.kind;
      element.addEventListener("click", () => {
        if (button.kind === "location") openMap(pane);
        else if (button.kind === "contact") api("/api/contact", { user_id: actor(pane), chat_id: pane.chat.id });
        else send(pane, button.text);
      });
      line.append(element);
    }
    return line;
  }));
}

function renderCommands(pane, commands) {
  const box = pane.el.querySelector(".commands");
  const key = JSON.stringify(commands);
  if (pane.commandsKey === key) return;
  pane.commandsKey = key;
  box.replaceChildren(...commands.map(([command, description]) => {
    const button = document.createElement("button");
    button.type = "button";
    const name = document.createElement("b");
    name.textContent = `/${command}`;
    button.append(name, description);
    button.addEventListener("click", () => {
      box.hidden = true;
      send(pane, `/${command}`);
    });
    return button;
  }));
}

// -- the rest -----------------------------------------------------------------------------

function toast(text, kind) {
  const item = document.createElement("div");
  item.className = `toast ${kind || ""}`;
  item.textContent = text;
  document.getElementById("toasts").append(item);
  setTimeout(() => item.remove(), kind === "alert" ? 6000 : 3500);
}

document.querySelectorAll("[data-advance]").forEach((button) => {
  button.addEventListener("click", () => api("/api/clock", { [button.dataset.advance]: 1 }));
});
document.querySelector("[data-close-map]").addEventListener("click", closeMap);
document.getElementById("map-dialog").addEventListener("click", (event) => {
  if (event.target.id === "map-dialog") closeMap();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeMap();
});
poll();
