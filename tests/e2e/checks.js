// Page-side checks of the accessibility crawler, added to every document as an init script (window.__a11y).
(() => {
  const visible = (el) => (el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null);

  const describe = (el) => {
    if (!el || el === document.body || el === document.documentElement) return 'body';
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    else if (el.classList.length) text += '.' + [...el.classList].join('.');
    const label = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '')
      .trim().replace(/\s+/g, ' ');
    if (label) text += ' "' + label.slice(0, 40) + '"';
    return text;
  };

  // Good enough for finding a control by what a user hears: aria-label, <label>, then its text or value.
  const accessibleName = (el) => {
    const labelledby = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean).map((e) => e.textContent).join(' ');
    const label = el.getAttribute('aria-label') || labelledby || (el.labels && el.labels.length
      ? [...el.labels].map((l) => l.textContent).join(' ') : '') || el.textContent || el.value || '';
    return label.trim().replace(/\s+/g, ' ');
  };

  // What the focused element looks like: a focus indicator is an outline or a box-shadow.
  const focus = () => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return {where: 'body', visible: false};
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = Boolean(style.boxShadow) && style.boxShadow !== 'none';
    return {where: describe(el), visible: outline || shadow, skip: el.classList.contains('skip-link'), id: el.id,
            name: accessibleName(el), tag: el.tagName.toLowerCase(), type: el.type || '', value: el.value || '',
            checked: el.checked === true};
  };

  // Every visible heading, in document order; levels may go down freely but up by one at a time.
  const headings = () => {
    const found = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6,[role=heading]')].filter(visible);
    const problems = [];
    let previous = 0;
    let h1 = 0;
    for (const h of found) {
      const level = /^H[1-6]$/.test(h.tagName) && !h.hasAttribute('aria-level')
        ? Number(h.tagName[1]) : Number(h.getAttribute('aria-level') || 2);
      const text = h.textContent.trim().replace(/\s+/g, ' ').slice(0, 50);
      if (level === 1) h1++;
      if (previous === 0 && level !== 1) problems.push(`första rubriken är h${level} "${text}", inte h1`);
      else if (previous !== 0 && level > previous + 1) problems.push(`h${previous} följs av h${level} "${text}"`);
      previous = level;
    }
    if (h1 !== 1) problems.push(`${h1} synliga h1 (ska vara exakt en)`);
    return problems;
  };

  // Horizontal overflow of the page, the elements that stick out, and boxes that clip their text.
  const overflow = () => {
    const width = window.innerWidth;
    const inScroller = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll') return true;
      }
      return false;
    };
    const offenders = [];
    const clipped = [];
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue; // not drawn
      // An absolutely positioned box (visually hidden text, say) escapes a scroller that is not its containing block.
      const escapes = getComputedStyle(el).position === 'absolute' || getComputedStyle(el).position === 'fixed';
      if (rect.right > width + 1 && (escapes || !inScroller(el))) {
        offenders.push(`${describe(el)} (höger kant ${Math.round(rect.right)} px)`);
      }
      // Visually hidden text is a 1 px clipped box by design, and form controls scroll their own value (a long
      // title in a text field is not lost): neither counts as clipped content.
      if (rect.width <= 1 || rect.height <= 1 || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) continue;
      const o = getComputedStyle(el).overflowX;
      if ((o === 'hidden' || o === 'clip') && el.scrollWidth > el.clientWidth + 1) {
        clipped.push(`${describe(el)} (innehåll ${el.scrollWidth} px i ${el.clientWidth} px)`);
      }
    }
    // The deepest offenders say most: their ancestors only stick out because of them.
    return {scrollWidth: document.documentElement.scrollWidth, width, offenders: offenders.slice(-6),
            clipped: clipped.slice(0, 6)};
  };

  const overflowWithText200 = () => {
    // Same effect as injecting html{font-size:200%}; the CSSOM is allowed by the portal's CSP, <style> is not.
    document.documentElement.style.fontSize = '200%';
    try { return overflow(); } finally { document.documentElement.style.fontSize = ''; }
  };

  const links = () => [...document.querySelectorAll('a[href]')]
    .filter((a) => !a.hasAttribute('download')).map((a) => a.href);

  const textLike = (el) => el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' &&
    !['checkbox', 'radio', 'hidden', 'submit', 'button', 'file', 'image', 'reset'].includes(el.type));

  const forms = () => [...document.forms].map((form, index) => {
    const required = [...form.elements].filter((e) => e.required || e.getAttribute('aria-required') === 'true');
    const buttons = [...form.querySelectorAll('button, input[type=submit]')]
      .map((b) => (b.textContent || b.value || '').trim()).join(' | ');
    // form.action is the control named "action" when a form has one (the consent form's buttons): read the attribute.
    const action = new URL(form.getAttribute('action') || '', location.href).href;
    return {index, method: (form.getAttribute('method') || 'get').toLowerCase(), action,
            required: required.map((e) => e.name || e.id), textLike: required.filter(textLike).length, buttons};
  });

  const submitEmpty = (index) => {
    const form = document.forms[index];
    form.noValidate = true; // the server's messages are under test, not the browser's bubbles
    for (const el of form.elements) {
      if (['hidden', 'submit', 'button', 'reset'].includes(el.type) || el.tagName === 'BUTTON') continue;
      if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
      else if (el.tagName === 'SELECT') {
        const blank = [...el.options].findIndex((o) => o.value === '');
        if (blank >= 0) el.selectedIndex = blank;
      } else el.value = '';
    }
    const submitter = form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
    form.requestSubmit(submitter || undefined);
  };

  // After an empty submission: a role=alert summary, and every message tied to its field by aria-describedby.
  const errorsTied = () => {
    const problems = [];
    const alert = document.querySelector('[role=alert]');
    if (!alert) problems.push('ingen felsammanfattning med role="alert"');
    else if (!alert.contains(document.activeElement)) {
      problems.push(`fokus står på ${describe(document.activeElement)}, inte på felsammanfattningen`);
    }
    const described = new Set();
    for (const el of document.querySelectorAll('[aria-describedby]')) {
      for (const id of el.getAttribute('aria-describedby').split(/\s+/)) if (id) described.add(id);
    }
    const messages = [...document.querySelectorAll('.field-error')];
    for (const msg of messages) {
      if (!msg.id || !described.has(msg.id)) {
        problems.push(`felet "${msg.textContent.trim().slice(0, 50)}" är inte kopplat med aria-describedby`);
      }
    }
    for (const el of document.querySelectorAll('[aria-invalid=true]')) {
      const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      const texts = ids.map((id) => document.getElementById(id)).filter(Boolean)
        .map((e) => e.textContent.trim()).filter(Boolean);
      if (!texts.length) problems.push(`${describe(el)} har aria-invalid men inget fel via aria-describedby`);
    }
    if (!messages.length && !document.querySelector('[aria-invalid=true]')) {
      problems.push('inget fält är markerat med sitt fel (class="field-error" / aria-invalid)');
    }
    return problems;
  };

  // Focus log: every element that receives focus while the crawler tabs, as it looked at that moment.
  const focusLog = [];
  let recording = false;
  document.addEventListener('focusin', () => { if (recording) focusLog.push(focus()); }, true);
  const startFocusLog = () => { focusLog.length = 0; recording = true; };
  const tabbables = () => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter((el) => !el.disabled && visible(el));

  // Focus every tabbable element in turn (after a real key press, so :focus-visible applies as for Tab) and
  // return those drawn without a focus indicator. Radio buttons are included although Tab stops at one per group.
  const sweepFocus = () => {
    const invisible = new Set();
    let count = 0;
    for (const el of tabbables()) {
      el.focus({preventScroll: true});
      if (document.activeElement !== el) continue;
      count++;
      const state = focus();
      if (!state.visible) invisible.add(state.where);
    }
    return {count, invisible: [...invisible]};
  };

  // What the page shows, without what differs per user or session (the header, CSRF tokens, flashes):
  // two users who get the same fingerprint see the same page, so it needs checking once.
  const fingerprint = () => {
    const copy = document.body.cloneNode(true);
    // The main menu differs per role but is checked on each role's own pages (its start page at least).
    copy.querySelectorAll('.who, .main-nav, .flashes, input[type=hidden]').forEach((el) => el.remove());
    const text = location.pathname + location.search + copy.innerHTML;
    let hash = 0;
    for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
    return `${text.length}:${hash}`;
  };

  window.__a11y = {fingerprint, describe, focus, headings, overflow, overflowWithText200, links, forms, submitEmpty, errorsTied,
                   startFocusLog, focusLog, sweepFocus};
})();
