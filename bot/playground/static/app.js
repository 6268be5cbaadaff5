/* The playground shell: plays Slack's client around the Block Kit renderer (blockkit.js).
 *
 * It shows one person's Slack (pick who you are at the top): the DM with the bot, the department
 * channels, the digest and help channels, App Home and modals. Everything the person does goes to the
 * playground's JSON API, which sends the bot the signed request Slack would send; what the bot sends
 * back arrives through a long poll of /api/state. The clock control moves simulated time forward.
 */
(function () {
  "use strict";

  const WORDS = {
    ja: {
      title: "madoguchi playground", youAre: "あなたは", simulatedTime: "シミュレーション時刻",
      plus1h: "+1時間", plus4h: "+4時間", plus1d: "+1日", toDigest: "次のダイジェストへ",
      moving: "時間を進めています（途中のリマインドや定期処理も、その時刻どおりに動きます）…",
      apps: "アプリ", channels: "チャンネル", home: "ホーム", messages: "メッセージ", shortcuts: "⚡ ショートカット",
      send: "送信", replyingInThread: "スレッドに返信中", reply: "返信", replies: (n) => `${n}件の返信`,
      onlyYou: "あなただけに表示されています", dismiss: "閉じる", react: "🎫 を付ける",
      moreActions: "その他", dmTopic: "madoguchi とのダイレクトメッセージ（質問・申請・承認）",
      homeTopic: "madoguchi の App Home", edited: "（編集済み）",
      sideNote: "ここは練習用の Slack です。送ったものは本物の madoguchi ボットが処理します。",
      hintDm: "質問を入力、または /helpdesk（申請）、/helpdesk help",
      hintChannel: "@madoguchi で質問、または /helpdesk",
      hintHome: "App Home は読むだけの画面です（ボタンは押せます）",
      noMessages: "まだメッセージはありません。",
      guide: {
        title: "ようこそ、madoguchi の練習場へ 👋",
        intro: "ここは本物の madoguchi ボットにつながった練習用の Slack です。たとえばこの順に試してみてください。",
        ask: ["💬 質問する", "下の入力欄に、社内のよくある質問を書いてみましょう。"],
        askExample: "有給の残り日数ってどこで見られますか？",
        request: ["📝 申請する", "/helpdesk と送って「経費精算」を選び、フォームを送信します。"],
        requestTry: "/helpdesk を開く",
        approve: ["✅ 承認する", "上の「あなたは」でマネージャーに切り替えると、DM に承認依頼が届いています。"],
        approveTry: "マネージャーになる",
        clock: ["⏩ 時間を進める", "「+4時間」「+1日」「次のダイジェストへ」で、リマインドや週次ダイジェストが届く時刻まで進めます。"],
        tryAsk: (q) => `試す:「${q}」`,
      },
      problems: {
        bot_status: (d) => `ボットがエラーを返しました（HTTP ${d}）`, bad_view: (d) => `ボットの画面を表示できません: ${d}`,
        unknown_user: () => "この人は組織にいません", unknown_message: () => "メッセージが見つかりません",
        unknown_view: () => "この画面はもう開いていません", empty_message: () => "メッセージが空です",
        network: (d) => `playground に接続できません（${d}）`, internal: (d) => `playground の内部エラー: ${d}`,
        other: (code, d) => `うまくいきませんでした: ${code} ${d}`,
      },
    },
    en: {
      title: "madoguchi playground", youAre: "You are", simulatedTime: "Simulated time",
      plus1h: "+1 h", plus4h: "+4 h", plus1d: "+1 day", toDigest: "Next digest",
      moving: "Moving time forward (reminders and other jobs on the way run at their own times)…",
      apps: "Apps", channels: "Channels", home: "Home", messages: "Messages", shortcuts: "⚡ Shortcuts",
      send: "Send", replyingInThread: "Replying in thread", reply: "Reply", replies: (n) => `${n} repl${n === 1 ? "y" : "ies"}`,
      onlyYou: "Only visible to you", dismiss: "Dismiss", react: "Add 🎫",
      moreActions: "More", dmTopic: "Direct messages with madoguchi (questions, requests, approvals)",
      homeTopic: "madoguchi's App Home", edited: "(edited)",
      sideNote: "A practice Slack: what you send is handled by the real madoguchi bot.",
      hintDm: "Type a question, or /helpdesk (make a request), /helpdesk help",
      hintChannel: "Ask with @madoguchi, or /helpdesk",
      hintHome: "App Home is read-only (its buttons work)",
      noMessages: "No messages yet.",
      guide: {
        title: "Welcome to the madoguchi playground 👋",
        intro: "A practice Slack connected to the real madoguchi bot. Here is a good order to try things in.",
        ask: ["💬 Ask a question", "Type an everyday office question in the box below."],
        askExample: "How do I submit an expense claim?",
        request: ["📝 Make a request", "Send /helpdesk, pick Expense claim and submit the form."],
        requestTry: "Open /helpdesk",
        approve: ["✅ Approve it", "Switch “You are” at the top to the manager: the approval request is waiting in their DM."],
        approveTry: "Be the manager",
        clock: ["⏩ Move the clock", "Use +4 h, +1 day or Next digest to reach the time reminders and the weekly digest arrive."],
        tryAsk: (q) => `Try: “${q}”`,
      },
      problems: {
        bot_status: (d) => `The bot answered with an error (HTTP ${d})`, bad_view: (d) => `Cannot show the bot's view: ${d}`,
        unknown_user: () => "This person is not in the org", unknown_message: () => "Message not found",
        unknown_view: () => "This view is no longer open", empty_message: () => "The message is empty",
        network: (d) => `Cannot reach the playground (${d})`, internal: (d) => `Playground error: ${d}`,
        other: (code, d) => `That did not work: ${code} ${d}`,
      },
    },
  };

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c != null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };

  const app = {
    boot: null, user: null, conversation: "dm", version: null, state: null, threadTs: null,
    seen: {}, shownMessages: "", shownHome: "", shownModal: "", modalRoot: null, poll: null,
  };

  function lang() {
    const me = app.boot && app.boot.personas.find((p) => p.id === app.user);
    return me && me.locale === "en" ? "en" : "ja";
  }
  function w(key) {
    return WORDS[lang()][key];
  }

  // -- API ------------------------------------------------------------------------------------------
  // A picked file's bytes, base64 (the playground's API is JSON).
  function base64Of(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  async function api(path, body) {
    let res;
    try {
      res = await fetch(path, body === undefined ? {} : {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
    } catch (err) {
      toast("network", String(err.message || err));
      throw err;
    }
    const data = await res.json().catch(() => ({ ok: false, problem: "internal", detail: `HTTP ${res.status}` }));
    if (data && data.ok === false && data.problem) toast(data.problem, data.detail || "");
    return data;
  }

  function toast(problem, detail) {
    const p = WORDS[lang()].problems;
    const text = p[problem] ? p[problem](detail) : p.other(problem, detail);
    const node = el("div", { class: "toast", role: "alert" }, text);
    $("#toasts").append(node);
    setTimeout(() => node.remove(), 8000);
  }

  // -- who am I ---------------------------------------------------------------------------------------
  function fillPersonas() {
    const select = $("#persona");
    select.textContent = "";
    for (const p of app.boot.personas) {
      const roles = (p.roles[lang()] || p.roles.ja).join("・");
      select.append(el("option", { value: p.id }, `${p.name} — ${roles}`));
    }
    select.value = app.user;
  }

  function setUser(id) {
    app.user = id;
    localStorage.setItem("madoguchi.playground.user", id);
    document.documentElement.lang = lang();
    for (const node of document.querySelectorAll("[data-word]")) {
      const word = w(node.getAttribute("data-word"));
      if (typeof word === "string") node.textContent = word;
    }
    fillPersonas();
    app.threadTs = null;
    app.shownMessages = app.shownHome = app.shownModal = "";
    selectConversation("dm");
  }

  // -- conversations ----------------------------------------------------------------------------------
  function selectConversation(id) {
    app.conversation = id;
    app.threadTs = null;
    app.shownMessages = app.shownHome = "";
    if (id === "home") api("/api/home", { user: app.user });
    restartPoll();
  }

  function sidebar(state) {
    const apps = $("#apps");
    const channels = $("#channels");
    apps.textContent = "";
    channels.textContent = "";
    const dm = state.conversations.find((c) => c.kind === "dm");
    const current = app.conversation === "dm" ? dm.id : app.conversation;
    const item = (id, label, count, key, testid) => {
      const seenKey = `${app.user}:${id}`;
      if (id === current) app.seen[seenKey] = count;
      const unread = Math.max(0, count - (app.seen[seenKey] || 0));
      return el("li", {},
        el("button", { type: "button", class: `side-item${id === current ? " active" : ""}${unread ? " unread" : ""}`,
          "data-conv": key, "data-testid": testid, onclick: () => selectConversation(key) },
        el("span", { class: "side-label" }, label),
        unread ? el("span", { class: "badge" }, String(unread)) : null));
    };
    apps.append(item("home", `🏠 ${w("home")}`, 0, "home", "conv-home"));
    apps.append(item(dm.id, `💬 madoguchi — ${w("messages")}`, dm.count, "dm", "conv-dm"));
    for (const c of state.conversations.filter((c) => c.kind !== "dm")) {
      channels.append(item(c.id, `# ${c.name}`, c.count, c.id, `conv-${c.id}`));
    }
  }

  function header(state) {
    const room = state.conversations.find((c) => c.id === app.conversation);
    if (app.conversation === "home") {
      $("#conv-title").textContent = `🏠 madoguchi — ${w("home")}`;
      $("#conv-topic").textContent = w("homeTopic");
    } else if (room) {
      $("#conv-title").textContent = `# ${room.name}`;
      $("#conv-topic").textContent = room.topic[lang()] || room.topic.ja;
    } else {
      $("#conv-title").textContent = "💬 madoguchi";
      $("#conv-topic").textContent = w("dmTopic");
    }
    const hint = app.conversation === "home" ? w("hintHome") : app.conversation === "dm" ? w("hintDm") : w("hintChannel");
    $("#composer").placeholder = hint;
    $("#composer-hint").textContent = "";
    $("#composer-form").hidden = app.conversation === "home";
    $("#thread-target").hidden = !app.threadTs;
  }

  // -- messages ----------------------------------------------------------------------------------------
  const userName = (id) => (app.boot.names[id] || id);
  const channelName = (id) => {
    const room = app.boot.rooms.find((r) => r.id === id);
    return room ? room.name : id;
  };
  const users = () => app.boot.personas.map((p) => ({ id: p.id, name: p.name }));

  function renderOpts(where) {
    return {
      locale: lang(), userName, channelName, users: users(),
      onAction: (action) => api("/api/action", { user: app.user, where: where(), action }),
    };
  }

  function messageNode(m, channel) {
    const where = () => ({ kind: m.ephemeral ? "ephemeral" : "message", channel, ts: m.ts });
    const body = el("div", { class: "msg-body" });
    const head = el("div", { class: "msg-head" },
      el("strong", { class: "msg-name" }, m.is_bot ? "madoguchi" : m.user_name),
      m.is_bot ? el("span", { class: "app-tag" }, "APP") : null,
      el("span", { class: "msg-time" }, m.time),
      m.edited ? el("span", { class: "msg-edited" }, w("edited")) : null);
    body.append(head);
    if (m.ephemeral) body.append(el("div", { class: "ephemeral-note" }, `👁 ${w("onlyYou")}`));
    if (m.blocks && m.blocks.length) body.append(BlockKit.renderBlocks(m.blocks, renderOpts(where)));
    else if (m.text) {
      const text = el("div", { class: "msg-text" });
      text.innerHTML = BlockKit.mrkdwn(m.text, renderOpts(where)); // mrkdwn() escapes everything it is given
      body.append(text);
    }
    for (const f of m.files || []) {
      if (/\.(png|jpe?g|gif)$/i.test(f.name)) {
        body.append(el("figure", { class: "msg-file" }, el("img", { src: f.url, alt: f.title, "data-testid": "file-image" }),
          el("figcaption", {}, f.title)));
      } else body.append(el("a", { class: "msg-file", href: f.url }, f.title));
    }
    if (m.reactions && m.reactions.length) {
      body.append(el("div", { class: "reactions" }, m.reactions.map((r) => el("button", {
        type: "button", class: `reaction${r.users.includes(app.user) ? " mine" : ""}`,
        onclick: () => api("/api/react", { user: app.user, channel, ts: m.ts, reaction: r.name }),
      }, `${emoji(r.name)} ${r.count}`))));
    }
    const tools = el("div", { class: "msg-tools" });
    if (m.ephemeral) {
      tools.append(el("button", { type: "button", class: "tool", onclick: () => api("/api/dismiss", { user: app.user, ts: m.ts }) },
        w("dismiss")));
    } else {
      if (!channel.startsWith("D")) {
        tools.append(el("button", { type: "button", class: "tool", title: w("react"), "data-testid": "react-ticket",
          onclick: () => api("/api/react", { user: app.user, channel, ts: m.ts, reaction: app.boot.ticket_reaction }) }, "🎫"));
      }
      tools.append(el("button", { type: "button", class: "tool", "data-testid": "reply",
        onclick: () => { app.threadTs = m.thread_ts || m.ts; $("#thread-target").hidden = false; $("#composer").focus(); } },
      `💬 ${w("reply")}`));
      for (const s of app.boot.shortcuts.filter((s) => s.type === "message")) {
        tools.append(el("button", { type: "button", class: "tool", title: s.description, "data-testid": `shortcut-${s.callback_id}`,
          onclick: () => api("/api/shortcut", { user: app.user, callback_id: s.callback_id, channel, ts: m.ts }) }, `⚡ ${s.name}`));
      }
    }
    const node = el("div", { class: `msg${m.ephemeral ? " ephemeral" : ""}${m.is_bot ? " from-bot" : ""}`, "data-ts": m.ts,
      "data-testid": "message" },
    el("div", { class: `avatar${m.is_bot ? " bot" : ""}` }, (m.is_bot ? "窓" : (m.user_name || "?").slice(0, 1))), body, tools);
    if (m.replies && m.replies.length) {
      const thread = el("div", { class: "thread", "data-testid": "thread" },
        el("div", { class: "thread-count" }, w("replies")(m.replies.length)));
      for (const r of m.replies) thread.append(messageNode(r, channel));
      body.append(thread);
    }
    return node;
  }

  // The first screen: what to try, in the visitor's language, while their DM with the bot is still empty.
  function guide() {
    const g = w("guide");
    const manager = app.boot.personas.find((p) => p.key === "manager" && p.id !== app.user);
    const step = (key, button) => el("li", { class: "guide-step", "data-testid": `guide-${key}` },
      el("strong", {}, g[key][0]), el("span", {}, g[key][1]), button || null);
    const tryButton = (label, onclick) => el("button", { type: "button", class: "guide-try", onclick }, label);
    return el("section", { class: "guide", "data-testid": "guide", "aria-labelledby": "guide-title" },
      el("h2", { id: "guide-title" }, g.title),
      el("p", {}, g.intro),
      el("ol", { class: "guide-steps" },
        step("ask", tryButton(g.tryAsk(g.askExample),
          () => api("/api/say", { user: app.user, channel: "dm", text: g.askExample }))),
        step("request", tryButton(g.requestTry, () => api("/api/command", { user: app.user, channel: "dm", text: "" }))),
        step("approve", manager ? tryButton(`${g.approveTry}: ${manager.name}`, () => setUser(manager.id)) : null),
        step("clock")));
  }

  function emoji(name) {
    return (BlockKit.EMOJI && BlockKit.EMOJI[name]) || `:${name}:`;
  }

  function renderMessages(state) {
    const list = $("#messages");
    $("#home").hidden = true;
    list.hidden = false;
    const key = JSON.stringify([app.user, state.conversation, state.messages]);
    if (key === app.shownMessages) return;
    // A newly opened conversation starts at its newest message; an open one stays where the reader is.
    const opened = app.shownConversation !== `${app.user}:${state.conversation}`;
    const atBottom = opened || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    app.shownMessages = key;
    app.shownConversation = `${app.user}:${state.conversation}`;
    list.textContent = "";
    if (!state.messages.length) list.append(app.conversation === "dm" ? guide() : el("p", { class: "empty" }, w("noMessages")));
    for (const m of state.messages) list.append(messageNode(m, state.conversation));
    if (!state.messages.length) list.scrollTop = 0; // the guide reads from its top
    else if (atBottom) {
      list.scrollTop = list.scrollHeight;
      // Pictures (the digest chart) grow the list once loaded: keep the newest message in view.
      for (const img of list.querySelectorAll("img")) {
        img.addEventListener("load", () => { list.scrollTop = list.scrollHeight; }, { once: true });
      }
    }
  }

  function renderHome(state) {
    const home = $("#home");
    $("#messages").hidden = true;
    home.hidden = false;
    const key = JSON.stringify([app.user, state.home && state.home.hash]);
    if (key === app.shownHome) return;
    app.shownHome = key;
    home.textContent = "";
    if (!state.home) return;
    home.append(BlockKit.renderView(state.home, renderOpts(() => ({ kind: "view", view_id: state.home.id }))));
  }

  // -- modals ------------------------------------------------------------------------------------------
  function renderModal(state) {
    const layer = $("#modal-layer");
    const top = state.modals[state.modals.length - 1];
    const key = top ? `${app.user}:${top.id}:${top.hash}` : "";
    if (key === app.shownModal) return;
    app.shownModal = key;
    layer.textContent = "";
    layer.hidden = !top;
    app.modalRoot = null;
    if (!top) return;
    let root = null;
    const opts = {
      locale: lang(), userName, channelName, users: users(),
      onAction: (action) => api("/api/action", { user: app.user, where: { kind: "view", view_id: top.id }, action,
        state: BlockKit.collectState(root) }),
      onSubmit: async (collected) => {
        const submit = root.querySelector(".bk-submit");
        if (submit) submit.disabled = true;
        try {
          const answer = await api("/api/submit", { user: app.user, view_id: top.id, values: collected.values });
          if (answer.errors) BlockKit.setErrors(root, answer.errors);
        } finally {
          if (submit && submit.isConnected) submit.disabled = false;
        }
      },
      onClose: () => api("/api/close", { user: app.user, view_id: top.id }),
      uploadFile: async (file) => {
        const answer = await api("/api/upload", { user: app.user, name: file.name, mimetype: file.type,
          content_b64: await base64Of(file) });
        return answer && answer.file;
      },
    };
    root = BlockKit.renderView(top, opts);
    root.setAttribute("data-testid", "modal");
    root.setAttribute("data-view-id", top.id);
    layer.append(el("div", { class: "modal-frame" }, root));
  }

  // -- the long poll ---------------------------------------------------------------------------------
  function restartPoll() {
    if (app.poll) app.poll.abort();
    app.version = null;
    app.shownMessages = app.shownHome = "";
    loop();
  }

  async function loop() {
    const controller = new AbortController();
    app.poll = controller;
    while (!controller.signal.aborted) {
      const q = new URLSearchParams({ user: app.user, conversation: app.conversation });
      if (app.version != null) q.set("since", String(app.version));
      let state;
      try {
        const res = await fetch(`/api/state?${q}`, { signal: controller.signal });
        state = await res.json();
        if (!res.ok) throw new Error(state.problem || res.status);
      } catch (err) {
        if (controller.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 1500));
        continue;
      }
      if (controller.signal.aborted) return;
      app.version = state.version;
      app.state = state;
      draw(state);
    }
  }

  function draw(state) {
    $("#now").textContent = state.now;
    sidebar(state);
    header(state);
    if (app.conversation === "home") renderHome(state);
    else renderMessages(state);
    renderModal(state);
  }

  // -- the composer, shortcuts, clock --------------------------------------------------------------------
  async function send(event) {
    event.preventDefault();
    const box = $("#composer");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    const channel = app.conversation;
    const command = text.match(new RegExp(`^${app.boot.command}(?:\\s+([\\s\\S]*))?$`));
    if (command) await api("/api/command", { user: app.user, channel, text: command[1] || "" });
    else await api("/api/say", { user: app.user, channel, text, thread_ts: app.threadTs });
  }

  function shortcutsMenu() {
    const menu = $("#shortcuts-menu");
    menu.textContent = "";
    for (const s of app.boot.shortcuts.filter((s) => s.type === "global")) {
      menu.append(el("button", { type: "button", role: "menuitem", class: "menu-item", "data-testid": `shortcut-${s.callback_id}`,
        onclick: () => { menu.hidden = true; api("/api/shortcut", { user: app.user, callback_id: s.callback_id }); } },
      el("strong", {}, s.name), el("small", {}, s.description)));
    }
    menu.hidden = !menu.hidden;
  }

  // A jump runs every scheduler slot it passes (a day is a few seconds): the buttons wait, and say so.
  async function advance(what) {
    const clock = $("[data-testid=clock]");
    const buttons = [...document.querySelectorAll("[data-advance]")];
    clock.classList.add("busy");
    clock.setAttribute("aria-busy", "true");
    clock.title = w("moving");
    for (const b of buttons) b.disabled = true;
    try {
      await api("/api/clock", what === "digest" ? { to: "digest" } : { hours: Number(what) });
    } finally {
      clock.classList.remove("busy");
      clock.removeAttribute("aria-busy");
      clock.title = "";
      for (const b of buttons) b.disabled = false;
    }
  }

  async function start() {
    app.boot = await api("/api/bootstrap");
    const saved = localStorage.getItem("madoguchi.playground.user");
    const first = app.boot.personas[0].id;
    app.user = app.boot.personas.some((p) => p.id === saved) ? saved : first;
    $("#persona").addEventListener("change", (e) => setUser(e.target.value));
    $("#composer-form").addEventListener("submit", send);
    $("#composer").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
    });
    $("#thread-cancel").addEventListener("click", () => { app.threadTs = null; $("#thread-target").hidden = true; });
    $("#shortcuts-btn").addEventListener("click", shortcutsMenu);
    for (const b of document.querySelectorAll("[data-advance]")) {
      b.addEventListener("click", () => advance(b.getAttribute("data-advance")));
    }
    setUser(app.user);
  }

  start();
})();
