/* Block Kit renderer for the madoguchi playground.
 *
 * Plain ES2020, no dependencies: the playground must work offline with nothing but Python installed.
 * It plays Slack's client: it draws messages, modals and the App Home from the JSON the bot sends, and
 * turns clicks back into Slack-shaped payloads (block_actions actions, view.state.values).
 *
 *   BlockKit.renderBlocks(blocks, opts) -> HTMLElement      a message / any list of blocks
 *   BlockKit.renderView(view, opts)     -> HTMLElement      a modal (title, blocks, submit, close) or a home view
 *   BlockKit.collectState(rootEl)       -> {values: {block_id: {action_id: {type, value | selected_* ...}}}}
 *   BlockKit.mrkdwn(text, opts?)        -> safe HTML string
 *   opts = {onAction(action), errors: {block_id: message}, userName(id) -> string, users: [{id, name}],
 *           channelName(id) -> string, locale: "ja" | "en", onSubmit(state), onClose()}
 *
 * Extras beyond that contract, for the shell:
 *   BlockKit.setErrors(rootEl, errors)  shows a `response_action: errors` answer without redrawing, so what the
 *                                       person typed stays (as in Slack).
 *   BlockKit.validate(rootEl)           -> {block_id: message} for what Slack's client refuses before sending:
 *                                       required inputs left empty, too-short text, numbers out of range, bad
 *                                       email/URL. With opts.onSubmit, the modal's submit button runs it first.
 *
 * Safety: every piece of text from the bot is HTML-escaped; links keep only http(s)/mailto targets.
 */
(function (global) {
  "use strict";

  // -- the renderer's own words (the bot's words come from its i18n catalogs) --------------------------
  const WORDS = {
    ja: {
      optional: "（任意）",
      choose: "選択してください",
      chooseUser: "ユーザーを選択",
      userIds: "ユーザーID（例: U012ABC）",
      userIdsMany: "ユーザーID（カンマ区切り）",
      channelId: "チャンネルID（例: C012ABC）",
      unsupportedBlock: (type) => `このブロックは表示できません（unsupported block ${type}）`,
      unsupportedElement: (type) => `この要素は表示できません（unsupported element ${type}）`,
      tooManyFiles: (max) => `ファイルは${max}件まで添付できます。`,
      required: "この項目は必須です。",
      tooShort: (n) => `${n}文字以上で入力してください。`,
      tooLong: (n) => `${n}文字以内で入力してください。`,
      notNumber: "数値を入力してください（例: 1.5、全角数字も可）。",
      notWhole: "数字で入力してください（例: 50000、50,000、¥50,000、50,000円。全角数字も可）。",
      tooSmall: (n) => `${n}以上の値を入力してください。`,
      tooLarge: (n) => `${n}以下の値を入力してください。`,
      badEmail: "メールアドレスの形式が正しくありません。",
      badUrl: "URLの形式が正しくありません。",
      tooMany: (n) => `選択できるのは${n}件までです。`,
      addMore: "追加する…",
      remove: (label) => `「${label}」を外す`,
      cancel: "キャンセル",
      close: "閉じる",
      submit: "送信",
      more: "その他の操作",
      image: "画像",
    },
    en: {
      optional: "(optional)",
      choose: "Select an item",
      chooseUser: "Select a user",
      userIds: "User ID (e.g. U012ABC)",
      userIdsMany: "User IDs, comma-separated",
      channelId: "Channel ID (e.g. C012ABC)",
      unsupportedBlock: (type) => `unsupported block ${type}`,
      unsupportedElement: (type) => `unsupported element ${type}`,
      tooManyFiles: (max) => `Attach at most ${max} files.`,
      required: "Please fill out this field.",
      tooShort: (n) => `Please enter at least ${n} characters.`,
      tooLong: (n) => `Please enter at most ${n} characters.`,
      notNumber: "Please enter a number (e.g. 1.5).",
      notWhole: "Please enter a whole number, e.g. 50000, 50,000 or ¥50,000.",
      tooSmall: (n) => `Please enter a value of at least ${n}.`,
      tooLarge: (n) => `Please enter a value of at most ${n}.`,
      badEmail: "Please enter a valid email address.",
      badUrl: "Please enter a valid URL.",
      tooMany: (n) => `You can select up to ${n} items.`,
      addMore: "Add another…",
      remove: (label) => `Remove ${label}`,
      cancel: "Cancel",
      close: "Close",
      submit: "Submit",
      more: "More actions",
      image: "Image",
    },
  };

  function words(opts) {
    const lang = (opts && opts.locale) || (global.document && document.documentElement.lang) || "ja";
    return WORDS[String(lang).slice(0, 2)] || WORDS.ja;
  }

  // -- emoji: the shortcodes the bot uses, and the everyday ones people type ----------------------------
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", lock: "🔒", key: "🔑",
    leftwards_arrow_with_hook: "↩️", arrow_right: "➡️", heavy_minus_sign: "➖", bust_in_silhouette: "👤",
    speech_balloon: "💬", ticket: "🎫", tada: "🎉", rotating_light: "🚨", pause_button: "⏸️",
    incoming_envelope: "📨", envelope: "✉️", hourglass: "⌛", hourglass_flowing_sand: "⏳", books: "📚", wave: "👋",
    shield: "🛡️", scroll: "📜", receipt: "🧾", palm_tree: "🌴", package: "📦", money_with_wings: "💸",
    moneybag: "💰", yen: "💴", memo: "📝", pencil: "📝", calendar: "📆", date: "📅", clock3: "🕒", bell: "🔔",
    mag: "🔍", bulb: "💡", question: "❓", exclamation: "❗", information_source: "ℹ️", star: "⭐",
    thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎", pray: "🙏", eyes: "👀", smile: "😄",
    slightly_smiling_face: "🙂", fire: "🔥", rocket: "🚀", inbox_tray: "📥", outbox_tray: "📤",
    paperclip: "📎", link: "🔗", computer: "💻", office: "🏢", raising_hand: "🙋", no_entry: "⛔",
    red_circle: "🔴", large_green_circle: "🟢", large_yellow_circle: "🟡", bar_chart: "📊",
    chart_with_upwards_trend: "📈", clipboard: "📋", hammer_and_wrench: "🛠️", gear: "⚙️",
  };

  function emojify(escapedText) {
    return escapedText.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
  }

  // -- escaping -----------------------------------------------------------------------------------------
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
  }

  // Slack text arrives with &, < and > escaped as entities; show them as the characters they stand for.
  function slackDecode(text) {
    return text.replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: "&", lt: "<", gt: ">" })[name]);
  }

  function safeHref(url) {
    const trimmed = String(url || "").trim();
    return /^(https?:|mailto:)/i.test(trimmed) ? trimmed : null;
  }

  // -- mrkdwn -------------------------------------------------------------------------------------------
  // Private-use characters mark where already-rendered pieces (code, links, mentions) go back in, so that
  // emphasis can span them (*<@U1>*) but never reach inside them.
  const MARK_OPEN = "\uE000";
  const MARK_CLOSE = "\uE001";

  function personName(id, opts) {
    if (opts && typeof opts.userName === "function") {
      const name = opts.userName(id);
      if (name) return String(name);
    }
    const found = ((opts && opts.users) || []).find((u) => u.id === id);
    return found ? found.name : id;
  }

  function angleToken(inner, opts) {
    const bar = inner.indexOf("|");
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : "";
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return `<span class="bk-mention" data-user-id="${esc(id)}">@${esc(label || personName(id, opts))}</span>`;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      const name = label || (opts && typeof opts.channelName === "function" && opts.channelName(id)) || id;
      return `<span class="bk-mention bk-channel" data-channel-id="${esc(id)}">#${esc(name)}</span>`;
    }
    if (target.startsWith("!")) {
      const special = target.slice(1);
      if (["here", "channel", "everyone"].includes(special)) {
        return `<span class="bk-mention bk-broadcast">@${esc(special)}</span>`;
      }
      // <!subteam^S1|@team>, <!date^1392734382^{date}|fallback>: the label is the readable part.
      return `<span class="bk-mention">${esc(slackDecode(label || special))}</span>`;
    }
    const href = safeHref(slackDecode(target));
    const shown = slackDecode(label || target);
    if (!href) return esc(`<${slackDecode(inner)}>`);
    return `<a class="bk-link" href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(shown)}</a>`;
  }

  const EMPHASIS = [
    // [marker, tag]: the marker must open after a non-word character and close before one, as in Slack.
    ["\\*", "b"],
    ["_", "i"],
    ["~", "s"],
  ];

  function emphasize(html) {
    let out = html;
    for (const [m, tag] of EMPHASIS) {
      const re = new RegExp(`(^|[^A-Za-z0-9${m}])${m}([^\\s${m}](?:[^${m}\\n]*?[^\\s${m}])?)${m}(?![A-Za-z0-9${m}])`, "g");
      out = out.replace(re, (whole, before, body) => `${before}<${tag}>${body}</${tag}>`);
    }
    return out;
  }

  function inline(text, opts) {
    const pieces = [];
    const keep = (html) => {
      pieces.push(html);
      return MARK_OPEN + (pieces.length - 1) + MARK_CLOSE;
    };
    let work = text.replace(/[\uE000\uE001]/g, "");
    work = work.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code class="bk-code">${esc(slackDecode(code))}</code>`));
    work = work.replace(/<([^<>\n]+)>/g, (_, inner) => keep(angleToken(inner, opts)));
    // Bare URLs become links too (ASCII only, so a Japanese sentence right after a URL stays text).
    work = work.replace(/\bhttps?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+[A-Za-z0-9\-_~/#=&%]/g,
      (url) => keep(angleToken(url, opts)));
    let html = emphasize(emojify(esc(slackDecode(work))));
    html = html.replace(/\uE000(\d+)\uE001/g, (_, i) => pieces[Number(i)]);
    return html;
  }

  function lines(text, opts) {
    // ">>>" quotes everything after it; "> " quotes one line. Consecutive quoted lines share one bar.
    const out = [];
    let quote = [];
    const flush = () => {
      if (quote.length) out.push(`<blockquote class="bk-quote">${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    const all = text.split("\n");
    for (let i = 0; i < all.length; i++) {
      const line = all[i];
      const rest = /^\s*(?:>>>|&gt;&gt;&gt;)\s?(.*)$/.exec(line);
      if (rest) {
        flush();
        const body = [rest[1], ...all.slice(i + 1)].map((l) => inline(l, opts));
        out.push(`<blockquote class="bk-quote">${body.join("<br>")}</blockquote>`);
        return out.join("");
      }
      const quoted = /^(?:>|&gt;)\s?(.*)$/.exec(line);
      if (quoted) {
        quote.push(inline(quoted[1], opts));
        continue;
      }
      flush();
      out.push(inline(line, opts) + (i < all.length - 1 ? "<br>" : ""));
    }
    flush();
    return out.join("");
  }

  function mrkdwn(text, opts) {
    const source = String(text == null ? "" : text);
    const parts = source.split(/```([\s\S]*?)```/);
    return parts
      .map((part, i) => {
        if (i % 2 === 1) {
          return `<pre class="bk-pre">${esc(slackDecode(part.replace(/^\n/, "")))}</pre>`;
        }
        return lines(part, opts);
      })
      .join("");
  }

  // A plain_text object shows its text as-is; emoji shortcodes still become emoji (Slack's `emoji: true`).
  function plainHTML(obj) {
    if (obj == null) return "";
    const text = typeof obj === "string" ? obj : obj.text;
    const html = esc(text);
    return obj && obj.emoji === false ? html : emojify(html);
  }

  function plainString(obj) {
    const holder = document.createElement("span");
    holder.innerHTML = plainHTML(obj);
    return holder.textContent;
  }

  function textHTML(obj, opts) {
    if (obj == null) return "";
    if (typeof obj === "string") return mrkdwn(obj, opts);
    return obj.type === "mrkdwn" ? mrkdwn(obj.text, opts) : plainHTML(obj);
  }

  // -- DOM helpers --------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "html") node.innerHTML = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function copy(value) {
    return value == null ? value : JSON.parse(JSON.stringify(value));
  }

  function actionTs() {
    return (Date.now() / 1000).toFixed(6);
  }

  // Slack gives every block and element an id when the app gives none; so do we (stable per render).
  function Ctx(opts) {
    this.opts = opts || {};
    this.words = words(this.opts);
    this.counter = 0;
  }
  Ctx.prototype.autoId = function (prefix) {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  };
  Ctx.prototype.fire = function (action) {
    if (typeof this.opts.onAction === "function") {
      this.opts.onAction({ ...action, action_ts: actionTs() });
    }
  };

  // Readers turn an element's DOM back into its view.state entry; kept off the DOM so nothing can forge them.
  const READERS = new WeakMap();
  // For Slack-side validation: what the client checks before sending (required, lengths, ranges, formats).
  const CHECKS = new WeakMap();

  function stateful(node, reader, check) {
    node.setAttribute("data-bk-state", "");
    READERS.set(node, reader);
    if (check) CHECKS.set(node, check);
    return node;
  }

  function ids(el, blockId) {
    return { "data-action-id": el.action_id, "data-block-id": blockId, "data-bk-type": el.type };
  }

  function withConfirm(el, go) {
    const c = el.confirm;
    if (!c) return go();
    const message = [c.title && plainString(c.title), c.text && plainString(c.text)].filter(Boolean).join("\n\n");
    if (global.confirm(message)) go();
  }

  // -- elements -----------------------------------------------------------------------------------------
  function optionLabel(option) {
    return plainString(option.text);
  }

  function allOptions(el) {
    if (el.options) return el.options;
    return (el.option_groups || []).flatMap((g) => g.options || []);
  }

  function sameOption(a, b) {
    return a && b && a.value === b.value;
  }

  function selectNode(el, blockId, ctx) {
    const options = allOptions(el);
    const optionNode = (o) => h("option", { value: o.value, selected: sameOption(el.initial_option, o) }, optionLabel(o));
    const hint = el.placeholder ? plainString(el.placeholder) : ctx.words.choose;
    const children = [h("option", { value: "", class: "bk-placeholder", selected: !el.initial_option }, hint)];
    if (el.option_groups) {
      for (const g of el.option_groups) {
        children.push(h("optgroup", { label: plainString(g.label) }, (g.options || []).map(optionNode)));
      }
    } else {
      children.push(options.map(optionNode));
    }
    const node = h("select", { ...ids(el, blockId), class: "bk-select" }, children);
    const picked = () => options.filter((o) => [...node.selectedOptions].some((s) => s.value === o.value && s.value !== ""));
    return { node, picked };
  }

  function staticSelect(el, blockId, ctx) {
    const { node, picked } = selectNode(el, blockId, ctx);
    const current = () => copy(picked()[0] || null);
    stateful(node, () => ({ type: el.type, selected_option: current() }));
    node.addEventListener("change", () => ctx.changed(el, blockId, { selected_option: current() }));
    return node;
  }

  // A multi-select looks and works as in Slack: what is chosen shows as tokens (each with × to take it out),
  // and a dropdown below adds one more from what is left. `choices` are [{value, label, group?, data}]; the
  // state reads back the chosen ones' `data`, in the order they were chosen.
  function tokenSelect(el, blockId, ctx, choices, initialValues, key) {
    const chosen = initialValues.filter((v) => choices.some((c) => c.value === v));
    const tokens = h("div", { class: "bk-tokens", role: "list" });
    const add = h("select", { class: "bk-select bk-token-add", "aria-label": el.placeholder ? plainString(el.placeholder)
      : ctx.words.choose });
    const node = h("div", { ...ids(el, blockId), class: "bk-multi-select", role: "group" }, tokens, add);
    const byValue = (v) => choices.find((c) => c.value === v);
    const current = () => chosen.map((v) => copy(byValue(v).data));
    const max = el.max_selected_items;
    const draw = () => {
      tokens.textContent = "";
      for (const v of chosen) {
        const c = byValue(v);
        const remove = h("button", { type: "button", class: "bk-token-remove", "aria-label": ctx.words.remove(c.label),
          title: ctx.words.remove(c.label) }, "×");
        remove.addEventListener("click", () => {
          chosen.splice(chosen.indexOf(v), 1);
          draw();
          add.focus();
          changed();
        });
        tokens.append(h("span", { class: "bk-token", role: "listitem", "data-value": v }, h("span", {}, c.label), remove));
      }
      tokens.hidden = chosen.length === 0;
      add.textContent = "";
      const hint = chosen.length ? ctx.words.addMore : (el.placeholder ? plainString(el.placeholder) : ctx.words.choose);
      add.append(h("option", { value: "", class: "bk-placeholder", selected: true }, hint));
      const left = choices.filter((c) => !chosen.includes(c.value));
      const groups = [...new Set(left.map((c) => c.group).filter(Boolean))];
      if (groups.length) {
        for (const g of groups) {
          add.append(h("optgroup", { label: g },
            left.filter((c) => c.group === g).map((c) => h("option", { value: c.value }, c.label))));
        }
      } else {
        add.append(...left.map((c) => h("option", { value: c.value }, c.label)));
      }
      add.disabled = left.length === 0 || Boolean(max && chosen.length >= max);
    };
    const changed = () => node.dispatchEvent(new Event("change", { bubbles: true }));
    add.addEventListener("change", (ev) => {
      ev.stopPropagation();
      if (!add.value) return;
      chosen.push(add.value);
      draw();
      add.focus();
      changed();
    });
    draw();
    stateful(node, () => ({ type: el.type, [key]: current() }), () =>
      (max && chosen.length > max ? ctx.words.tooMany(max) : null));
    node.addEventListener("change", (ev) => {
      if (ev.target === node) ctx.changed(el, blockId, { [key]: current() });
    });
    return node;
  }

  // external_select options come from the app's options endpoint (block_suggestion), which the
  // playground does not serve: without options given, the person types the value.
  function externalSelect(el, blockId, ctx) {
    const multiple = el.type === "multi_external_select";
    const given = multiple ? el.initial_options || [] : el.initial_option ? [el.initial_option] : [];
    if (given.length) {
      const withOptions = { ...el, options: given };
      return multiple ? multiStaticSelect(withOptions, blockId, ctx) : staticSelect(withOptions, blockId, ctx);
    }
    const node = h("input", { ...ids(el, blockId), class: "bk-text", type: "text", autocomplete: "off",
      placeholder: el.placeholder ? plainString(el.placeholder) : ctx.words.choose });
    const typed = () => node.value.split(multiple ? "," : /\n/).map((v) => v.trim()).filter(Boolean)
      .map((v) => ({ text: { type: "plain_text", text: v, emoji: true }, value: v }));
    const key = multiple ? "selected_options" : "selected_option";
    const current = () => (multiple ? typed() : typed()[0] || null);
    stateful(node, () => ({ type: el.type, [key]: current() }));
    node.addEventListener("change", () => ctx.changed(el, blockId, { [key]: current() }));
    return node;
  }

  function multiStaticSelect(el, blockId, ctx) {
    const choices = [];
    if (el.option_groups) {
      for (const g of el.option_groups) {
        for (const o of g.options || []) choices.push({ value: o.value, label: optionLabel(o), group: plainString(g.label), data: o });
      }
    } else {
      for (const o of el.options || []) choices.push({ value: o.value, label: optionLabel(o), data: o });
    }
    return tokenSelect(el, blockId, ctx, choices, (el.initial_options || []).map((o) => o.value), "selected_options");
  }

  function usersSelect(el, blockId, ctx, multiple) {
    const users = ctx.opts.users || [];
    const initial = multiple ? el.initial_users || [] : el.initial_user ? [el.initial_user] : [];
    const key = multiple ? "selected_users" : "selected_user";
    let node;
    let current;
    const known = new Set(users.map((u) => u.id));
    const people = [...users, ...initial.filter((id) => !known.has(id)).map((id) => ({ id, name: id }))];
    if (users.length && multiple) {
      return tokenSelect(el, blockId, ctx, people.map((u) => ({ value: u.id, label: u.name, data: u.id })), initial, key);
    }
    if (users.length) {
      const children = [h("option", { value: "", selected: initial.length === 0 },
        el.placeholder ? plainString(el.placeholder) : ctx.words.chooseUser)];
      children.push(people.map((u) => h("option", { value: u.id, selected: initial.includes(u.id) }, u.name)));
      node = h("select", { ...ids(el, blockId), class: "bk-select" }, children);
      current = () => node.value || null;
    } else {
      // No directory given: type the ids, as in Slack's API tester.
      node = h("input", {
        ...ids(el, blockId), class: "bk-text bk-user-ids", type: "text", value: initial.join(", "),
        placeholder: multiple ? ctx.words.userIdsMany : ctx.words.userIds, autocomplete: "off",
      });
      const typed = () => node.value.split(/[\s,]+/).map((s) => s.replace(/^<?@?|>$/g, "")).filter(Boolean);
      current = () => (multiple ? typed() : typed()[0] || null);
    }
    stateful(node, () => ({ type: el.type, [key]: current() }), () => {
      const max = el.max_selected_items;
      return multiple && max && current().length > max ? ctx.words.tooMany(max) : null;
    });
    node.addEventListener("change", () => ctx.changed(el, blockId, { [key]: current() }));
    return node;
  }

  function conversationSelect(el, blockId, ctx) {
    // No channel directory in the renderer: ids are typed, one or comma-separated.
    const multiple = el.type.startsWith("multi_");
    const base = el.type.replace(/^multi_/, "").replace(/s_select$/, ""); // conversation | channel
    const key = `selected_${base}${multiple ? "s" : ""}`;
    const initial = [].concat(el[`initial_${base}${multiple ? "s" : ""}`] || []);
    const node = h("input", {
      ...ids(el, blockId), class: "bk-text", type: "text", value: initial.join(", "),
      placeholder: ctx.words.channelId, autocomplete: "off",
    });
    const typed = () => node.value.split(/[\s,]+/).map((s) => s.replace(/^<?#?|>$/g, "")).filter(Boolean);
    const current = () => (multiple ? typed() : typed()[0] || null);
    stateful(node, () => ({ type: el.type, [key]: current() }));
    node.addEventListener("change", () => ctx.changed(el, blockId, { [key]: current() }));
    return node;
  }

  function textInput(el, blockId, ctx) {
    const multiline = el.type === "plain_text_input" && el.multiline;
    const htmlType = { email_text_input: "email", url_text_input: "url", number_input: "text" }[el.type] || "text";
    const attrs = {
      ...ids(el, blockId),
      class: multiline ? "bk-textarea" : "bk-text",
      placeholder: el.placeholder ? plainString(el.placeholder) : undefined,
      maxlength: el.max_length,
      minlength: el.min_length,
      inputmode: el.type === "number_input" ? (el.is_decimal_allowed ? "decimal" : "numeric") : undefined,
      autocomplete: "off",
    };
    const node = multiline
      ? h("textarea", { ...attrs, rows: 4 }, el.initial_value || "")
      : h("input", { ...attrs, type: htmlType, value: el.initial_value == null ? undefined : el.initial_value });
    const current = () => (node.value === "" ? null : node.value);
    stateful(node, () => ({ type: el.type, value: current() }), () => checkText(el, node.value, ctx.words));
    const trigger = (el.dispatch_action_config && el.dispatch_action_config.trigger_actions_on) || [];
    node.addEventListener(trigger.includes("on_character_entered") ? "input" : "change",
      () => ctx.changed(el, blockId, { value: current() }));
    return node;
  }

  // A number as people type it (amounts above all): full-width digits, thousands commas, a leading ¥ or a
  // trailing 円 — the bot's own amount parser accepts the same.
  function plainNumber(raw) {
    let value = raw.normalize("NFKC").replace(/\s+/g, "").replace(/^¥/, "").replace(/円$/, "");
    if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(value)) value = value.replace(/,/g, "");
    return value;
  }

  function checkText(el, raw, w) {
    const value = raw.trim();
    if (!value) return null;
    if (el.type === "number_input") {
      const number = plainNumber(value);
      const pattern = el.is_decimal_allowed ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
      if (!pattern.test(number)) return el.is_decimal_allowed ? w.notNumber : w.notWhole;
      const n = Number(number);
      if (el.min_value != null && n < Number(el.min_value)) return w.tooSmall(el.min_value);
      if (el.max_value != null && n > Number(el.max_value)) return w.tooLarge(el.max_value);
      return null;
    }
    if (el.type === "email_text_input" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return w.badEmail;
    if (el.type === "url_text_input" && !/^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(value)) return w.badUrl;
    if (el.min_length && raw.length < el.min_length) return w.tooShort(el.min_length);
    if (el.max_length && raw.length > el.max_length) return w.tooLong(el.max_length);
    return null;
  }

  function picker(el, blockId, ctx, htmlType, initial, key, read) {
    const node = h("input", { ...ids(el, blockId), class: "bk-text bk-picker", type: htmlType, value: initial });
    const current = () => (node.value ? read(node.value) : null);
    stateful(node, () => ({ type: el.type, [key]: current() }));
    node.addEventListener("change", () => ctx.changed(el, blockId, { [key]: current() }));
    return node;
  }

  // A file input: picked files are handed to opts.uploadFile (the playground stores them in its local Slack and
  // answers Slack's file object); without it (a static page) they are described as Slack would name them.
  function fileInput(el, blockId, ctx) {
    const accept = (el.filetypes || []).map((kind) => `.${kind}`).join(",");
    const max = el.max_files || 10;
    const input = h("input", { class: "bk-file", type: "file", accept: accept || undefined, multiple: max > 1 });
    const list = h("ul", { class: "bk-file-list" });
    const node = h("div", { ...ids(el, blockId), class: "bk-file-input" }, input, list);
    let files = [];
    input.addEventListener("change", async () => {
      const picked = [...input.files].slice(0, max);
      const upload = ctx.opts.uploadFile;
      files = upload
        ? (await Promise.all(picked.map((f) => upload(f)))).filter(Boolean)
        : picked.map((f, i) => ({ id: `FLOCAL${i}`, name: f.name, size: f.size, mimetype: f.type }));
      // What Slack shows under its file input: each attached file, once it is in.
      list.replaceChildren(...files.map((f) => h("li", { class: "bk-file-item" }, `📎 ${f.name}`)));
    });
    stateful(node, () => ({ type: "file_input", files }),
      () => (input.files && input.files.length > max ? ctx.words.tooManyFiles(max) : null));
    return node;
  }

  function datepicker(el, blockId, ctx) {
    return picker(el, blockId, ctx, "date", el.initial_date, "selected_date", (v) => v);
  }

  function timepicker(el, blockId, ctx) {
    return picker(el, blockId, ctx, "time", el.initial_time, "selected_time", (v) => v.slice(0, 5));
  }

  function datetimepicker(el, blockId, ctx) {
    const pad = (n) => String(n).padStart(2, "0");
    let initial;
    if (el.initial_date_time) {
      const d = new Date(el.initial_date_time * 1000);
      initial = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }
    return picker(el, blockId, ctx, "datetime-local", initial, "selected_date_time",
      (v) => Math.floor(new Date(v).getTime() / 1000));
  }

  let groupCounter = 0;

  function choiceGroup(el, blockId, ctx, kind) {
    groupCounter += 1;
    const name = `bk-group-${groupCounter}`;
    const initial = kind === "radio" ? (el.initial_option ? [el.initial_option] : []) : el.initial_options || [];
    const inputs = [];
    const items = (el.options || []).map((o) => {
      const input = h("input", {
        type: kind, name, value: o.value, checked: initial.some((c) => sameOption(c, o)),
      });
      inputs.push([input, o]);
      return h("label", { class: "bk-choice" }, input,
        h("span", { class: "bk-choice-text" },
          h("span", { html: textHTML(o.text, ctx.opts) }),
          o.description ? h("span", { class: "bk-choice-desc", html: textHTML(o.description, ctx.opts) }) : null));
    });
    const node = h("div", { ...ids(el, blockId), class: `bk-choices bk-${kind}`, role: kind === "radio" ? "radiogroup" : "group" },
      items);
    const picked = () => inputs.filter(([input]) => input.checked).map(([, o]) => copy(o));
    const key = kind === "radio" ? "selected_option" : "selected_options";
    const current = () => (kind === "radio" ? picked()[0] || null : picked());
    stateful(node, () => ({ type: el.type, [key]: current() }));
    node.addEventListener("change", () => ctx.changed(el, blockId, { [key]: current() }));
    return node;
  }

  function button(el, blockId, ctx) {
    const style = el.style === "primary" || el.style === "danger" ? ` bk-${el.style}` : "";
    const node = h("button", { ...ids(el, blockId), type: "button", class: `bk-button${style}`,
      "data-value": el.value, title: el.accessibility_label, html: plainHTML(el.text) });
    node.addEventListener("click", () => withConfirm(el, () => {
      if (el.url && safeHref(el.url)) global.open(el.url, "_blank", "noopener");
      const action = { type: "button", action_id: el.action_id, block_id: blockId, text: copy(el.text) };
      if (el.value !== undefined) action.value = el.value;
      if (el.style) action.style = el.style;
      ctx.fire(action);
    }));
    return node;
  }

  function overflow(el, blockId, ctx) {
    const menu = h("div", { class: "bk-overflow-menu", role: "menu", hidden: true });
    const toggle = h("button", { type: "button", class: "bk-overflow-toggle", "aria-haspopup": "menu",
      "aria-label": ctx.words.more, title: ctx.words.more }, "⋯");
    for (const o of el.options || []) {
      const item = h("button", { type: "button", class: "bk-overflow-option", role: "menuitem", "data-value": o.value },
        optionLabel(o));
      item.addEventListener("click", () => {
        menu.hidden = true;
        withConfirm(el, () => {
          if (o.url && safeHref(o.url)) global.open(o.url, "_blank", "noopener");
          ctx.fire({ type: "overflow", action_id: el.action_id, block_id: blockId, selected_option: copy(o) });
        });
      });
      menu.append(item);
    }
    const wrapper = h("span", { ...ids(el, blockId), class: "bk-overflow" }, toggle, menu);
    const outside = (ev) => {
      if (!wrapper.contains(ev.target)) menu.hidden = true;
      if (menu.hidden) document.removeEventListener("click", outside, true);
    };
    toggle.addEventListener("click", () => {
      menu.hidden = !menu.hidden;
      if (!menu.hidden) document.addEventListener("click", outside, true);
    });
    return wrapper;
  }

  function image(el, cls) {
    const alt = el.alt_text || "";
    const src = el.image_url && /^(https?:|data:image\/)/i.test(el.image_url) ? el.image_url : null;
    if (!src) return h("span", { class: `${cls} bk-image-missing`, title: alt }, alt || "🖼");
    const node = h("img", { class: cls, src, alt, title: alt, loading: "lazy", referrerpolicy: "no-referrer" });
    // Offline (the playground's usual case) the picture cannot load; its alt text says what it was.
    node.addEventListener("error", () => node.replaceWith(h("span", { class: `${cls} bk-image-missing`, title: alt },
      alt || "🖼")));
    return node;
  }

  const ELEMENTS = {
    button,
    overflow,
    static_select: staticSelect,
    external_select: externalSelect,
    multi_static_select: multiStaticSelect,
    multi_external_select: externalSelect,
    users_select: (el, b, ctx) => usersSelect(el, b, ctx, false),
    multi_users_select: (el, b, ctx) => usersSelect(el, b, ctx, true),
    conversations_select: conversationSelect,
    multi_conversations_select: conversationSelect,
    channels_select: conversationSelect,
    multi_channels_select: conversationSelect,
    datepicker,
    file_input: fileInput,
    timepicker,
    datetimepicker,
    checkboxes: (el, b, ctx) => choiceGroup(el, b, ctx, "checkbox"),
    radio_buttons: (el, b, ctx) => choiceGroup(el, b, ctx, "radio"),
    plain_text_input: textInput,
    number_input: textInput,
    email_text_input: textInput,
    url_text_input: textInput,
    image: (el) => image(el, "bk-accessory-image"),
  };

  function element(el, blockId, ctx) {
    const make = ELEMENTS[el && el.type];
    if (!make) {
      return h("span", { class: "bk-unsupported" }, ctx.words.unsupportedElement(el && el.type));
    }
    const given = { ...el, action_id: el.action_id || (el.type === "image" ? undefined : ctx.autoId("a")) };
    return make(given, blockId, ctx);
  }

  // -- blocks -------------------------------------------------------------------------------------------
  function header(block) {
    return h("div", { class: "bk-header-text", role: "heading", "aria-level": 2, html: plainHTML(block.text) });
  }

  function section(block, ctx, blockId) {
    const body = h("div", { class: "bk-section-body" });
    if (block.text) body.append(h("div", { class: "bk-section-text", html: textHTML(block.text, ctx.opts) }));
    if (block.fields && block.fields.length) {
      body.append(h("div", { class: "bk-fields" },
        block.fields.map((f) => h("div", { class: "bk-field", html: textHTML(f, ctx.opts) }))));
    }
    const children = [body];
    if (block.accessory) {
      children.push(h("div", { class: "bk-accessory" }, element(block.accessory, blockId, ctx)));
    }
    return h("div", { class: "bk-section-row" }, children);
  }

  function contextBlock(block, ctx) {
    return (block.elements || []).map((e) =>
      e.type === "image" ? image(e, "bk-context-image") : h("span", { class: "bk-context-text", html: textHTML(e, ctx.opts) }));
  }

  function imageBlock(block) {
    return [
      block.title ? h("div", { class: "bk-image-title", html: plainHTML(block.title) }) : null,
      image(block, "bk-image-picture"),
    ];
  }

  function actionsBlock(block, ctx, blockId) {
    return (block.elements || []).map((e) => element(e, blockId, ctx));
  }

  function inputBlock(block, ctx, blockId) {
    const el = block.element || {};
    const control = element(el, blockId, ctx);
    const labelFor = control.id || `bk-input-${blockId}-${ctx.autoId("l")}`;
    if (control.matches && control.matches("input, select, textarea")) control.id = labelFor;
    const dispatch = Boolean(block.dispatch_action);
    if (dispatch) control.setAttribute("data-dispatch-action", "");
    const label = h("label", { class: "bk-label", for: labelFor },
      h("span", { html: plainHTML(block.label) }),
      block.optional ? h("span", { class: "bk-optional" }, ` ${ctx.words.optional}`) : null);
    const parts = [label, control];
    if (block.hint) parts.push(h("div", { class: "bk-hint", html: plainHTML(block.hint) }));
    parts.push(h("div", { class: "bk-error", role: "alert", hidden: true }));
    return parts;
  }

  function richText(block, ctx) {
    return (block.elements || []).map((part) => richPart(part, ctx));
  }

  function richPart(part, ctx) {
    const inlineNodes = (elements) => (elements || []).map((e) => richInline(e, ctx));
    switch (part.type) {
      case "rich_text_section":
        return h("div", { class: "bk-rich-section" }, inlineNodes(part.elements));
      case "rich_text_preformatted":
        return h("pre", { class: "bk-pre" }, inlineNodes(part.elements));
      case "rich_text_quote":
        return h("blockquote", { class: "bk-quote" }, inlineNodes(part.elements));
      case "rich_text_list": {
        const tag = part.style === "ordered" ? "ol" : "ul";
        return h(tag, { class: "bk-rich-list" },
          (part.elements || []).map((item) => h("li", {}, inlineNodes(item.elements))));
      }
      default:
        return h("span", { class: "bk-unsupported" }, ctx.words.unsupportedElement(part.type));
    }
  }

  function richInline(e, ctx) {
    let node;
    switch (e.type) {
      case "text":
        node = document.createTextNode(e.text || "");
        break;
      case "link": {
        const href = safeHref(e.url);
        node = href ? h("a", { class: "bk-link", href, target: "_blank", rel: "noopener noreferrer" }, e.text || e.url)
          : document.createTextNode(e.text || e.url || "");
        break;
      }
      case "emoji":
        node = document.createTextNode(e.unicode
          ? String.fromCodePoint(...e.unicode.split("-").map((x) => parseInt(x, 16)))
          : EMOJI[e.name] || `:${e.name}:`);
        break;
      case "user":
        node = h("span", { class: "bk-mention", "data-user-id": e.user_id }, `@${personName(e.user_id, ctx.opts)}`);
        break;
      case "channel":
        node = h("span", { class: "bk-mention bk-channel" }, `#${e.channel_id}`);
        break;
      case "usergroup":
        node = h("span", { class: "bk-mention" }, `@${e.usergroup_id}`);
        break;
      case "broadcast":
        node = h("span", { class: "bk-mention bk-broadcast" }, `@${e.range}`);
        break;
      default:
        node = document.createTextNode(e.text || "");
    }
    const style = e.style || {};
    for (const [flag, tag] of [["code", "code"], ["strike", "s"], ["italic", "i"], ["bold", "b"]]) {
      if (style[flag]) node = h(tag, flag === "code" ? { class: "bk-code" } : {}, node);
    }
    return node;
  }

  function tableBlock(block, ctx) {
    // Cells are raw_text (shown as typed) or rich_text; column_settings align a column and let it wrap.
    const settings = block.column_settings || [];
    const rows = (block.rows || []).map((row, r) => h("tr", {}, (row || []).map((cell, c) => {
      const s = settings[c] || {};
      const attrs = { class: `bk-table-cell bk-align-${["center", "right"].includes(s.align) ? s.align : "left"}`
        + (s.is_wrapped ? " bk-wrap" : "") };
      const content = cell && cell.type === "rich_text" ? richText(cell, ctx)
        : document.createTextNode(cell && cell.text != null ? String(cell.text) : "");
      return h(r === 0 ? "th" : "td", attrs, content);
    })));
    return h("table", { class: "bk-table-grid" }, h("tbody", {}, rows));
  }

  const BLOCKS = {
    header: (b) => header(b),
    table: tableBlock,
    section,
    context: contextBlock,
    divider: () => h("hr", { class: "bk-divider-line" }),
    image: imageBlock,
    actions: actionsBlock,
    input: inputBlock,
    rich_text: richText,
  };

  function block(b, ctx) {
    const type = b && b.type;
    const make = BLOCKS[type];
    const blockId = (b && b.block_id) || ctx.autoId("b");
    const wrapper = h("div", { class: `bk-block bk-${type || "unknown"}`, "data-block-id": blockId });
    if (!make) {
      wrapper.classList.add("bk-unsupported");
      wrapper.textContent = ctx.words.unsupportedBlock(type);
      return wrapper;
    }
    try {
      const built = make(b, ctx, blockId);
      wrapper.append(...[].concat(built).filter(Boolean));
    } catch (err) {
      // A malformed block must not take the whole message with it.
      wrapper.classList.add("bk-unsupported");
      wrapper.textContent = ctx.words.unsupportedBlock(type);
      if (global.console) console.warn("blockkit: cannot render block", b, err);
    }
    return wrapper;
  }

  function blocksInto(container, blocks, ctx) {
    for (const b of blocks || []) container.append(block(b, ctx));
    return container;
  }

  function makeCtx(opts) {
    const ctx = new Ctx(opts);
    ctx.inputBlocks = new Set();
    ctx.dispatching = new Set();
    // Stateful elements in input blocks speak only when their block says dispatch_action; elsewhere (actions
    // blocks, accessories) every change is an action, as in Slack.
    ctx.changed = function (el, blockId, payload) {
      if (this.inputBlocks.has(blockId) && !this.dispatching.has(blockId)) return;
      this.fire({ type: el.type, action_id: el.action_id, block_id: blockId, ...payload });
    };
    return ctx;
  }

  function prepare(blocks, ctx) {
    for (const b of blocks || []) {
      if (b && b.type === "input" && b.block_id) {
        ctx.inputBlocks.add(b.block_id);
        if (b.dispatch_action) ctx.dispatching.add(b.block_id);
      }
    }
  }

  function assignIds(blocks) {
    // Give id-less input blocks their ids before rendering, so `changed` can tell input blocks apart.
    let n = 0;
    return (blocks || []).map((b) => {
      if (b && typeof b === "object" && b.type === "input" && !b.block_id) {
        n += 1;
        return { ...b, block_id: `input${n}` };
      }
      return b;
    });
  }

  function renderBlocks(blocks, opts) {
    const ctx = makeCtx(opts);
    const given = assignIds(blocks);
    prepare(given, ctx);
    const root = h("div", { class: "bk-root bk-blocks", lang: ctx.opts.locale });
    blocksInto(root, given, ctx);
    setErrors(root, (opts && opts.errors) || {});
    return root;
  }

  function renderView(view, opts) {
    const o = opts || {};
    const ctx = makeCtx(o);
    const given = assignIds(view.blocks);
    prepare(given, ctx);
    if (view.type !== "modal") {
      const root = h("div", { class: "bk-root bk-home", lang: o.locale, "data-callback-id": view.callback_id });
      blocksInto(root, given, ctx);
      setErrors(root, o.errors || {});
      return root;
    }
    const body = blocksInto(h("div", { class: "bk-modal-body" }), given, ctx);
    const closeText = view.close ? plainHTML(view.close) : esc(view.submit ? ctx.words.cancel : ctx.words.close);
    const close = h("button", { type: "button", class: "bk-button bk-close", html: closeText });
    const footer = h("div", { class: "bk-modal-footer" }, close);
    let submit = null;
    if (view.submit) {
      submit = h("button", { type: "button", class: "bk-button bk-primary bk-submit", html: plainHTML(view.submit),
        disabled: view.submit_disabled });
      footer.append(submit);
    }
    const root = h("div", { class: "bk-root bk-modal", lang: o.locale, role: "dialog", "aria-modal": "true",
      "data-callback-id": view.callback_id },
      h("div", { class: "bk-modal-header" }, h("div", { class: "bk-modal-title", html: plainHTML(view.title) })),
      body, footer);
    if (submit && typeof o.onSubmit === "function") {
      submit.addEventListener("click", () => {
        const problems = validate(root);
        setErrors(root, problems);
        if (Object.keys(problems).length === 0) o.onSubmit(collectState(root));
      });
    }
    if (typeof o.onClose === "function") close.addEventListener("click", () => o.onClose());
    setErrors(root, o.errors || {});
    return root;
  }

  // -- state, errors, validation ------------------------------------------------------------------------
  function collectState(root) {
    const values = {};
    for (const node of root.querySelectorAll("[data-bk-state]")) {
      const read = READERS.get(node);
      if (!read) continue;
      const blockId = node.getAttribute("data-block-id");
      const actionId = node.getAttribute("data-action-id");
      values[blockId] = values[blockId] || {};
      values[blockId][actionId] = read();
    }
    return { values };
  }

  function setErrors(root, errors) {
    const given = errors || {};
    for (const blockNode of root.querySelectorAll(".bk-block.bk-input")) {
      const blockId = blockNode.getAttribute("data-block-id");
      const slot = blockNode.querySelector(":scope > .bk-error");
      const message = given[blockId];
      blockNode.classList.toggle("bk-has-error", Boolean(message));
      if (slot) {
        slot.textContent = message || "";
        slot.hidden = !message;
      }
      const control = blockNode.querySelector("[data-bk-state]");
      if (control) {
        if (message) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      }
    }
    const first = root.querySelector(".bk-has-error");
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "nearest" });
  }

  function isEmpty(entry) {
    const value = Object.entries(entry).find(([k]) => k !== "type");
    if (!value) return true;
    const v = value[1];
    return v == null || v === "" || (Array.isArray(v) && v.length === 0);
  }

  function validate(root) {
    const problems = {};
    const lang = root.closest("[lang]");
    const w = words({ locale: lang ? lang.getAttribute("lang") : undefined });
    for (const blockNode of root.querySelectorAll(".bk-block.bk-input")) {
      const blockId = blockNode.getAttribute("data-block-id");
      const control = blockNode.querySelector("[data-bk-state]");
      if (!control) continue;
      const entry = READERS.get(control)();
      const optional = Boolean(blockNode.querySelector(":scope > .bk-label .bk-optional"));
      if (isEmpty(entry)) {
        if (!optional) problems[blockId] = w.required;
        continue;
      }
      const check = CHECKS.get(control);
      const message = check ? check() : null;
      if (message) problems[blockId] = message;
    }
    return problems;
  }

  global.BlockKit = { renderBlocks, renderView, collectState, mrkdwn, setErrors, validate, EMOJI };
})(window);
