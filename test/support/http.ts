// A tiny browser for the hosted pages, over plain HTTP: a cookie jar, manual redirects that stay on the provider's
// origin and stop at the client's redirect_uri, and forms parsed from the markup actually rendered (never hard-coded
// field lists), so the tests keep working when the pages change and fail when a form stops carrying its CSRF token.

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires?: number;
}

export interface FormButton {
  name?: string;
  value: string;
  text: string;
  formaction?: string;
}

export interface Form {
  id?: string;
  action: URL;
  method: string;
  /** Successful controls a browser would submit without user input: hidden, text, e-mail, checked boxes, selects. */
  fields: Record<string, string>;
  /** Every named control, including password and empty text inputs. */
  names: string[];
  buttons: FormButton[];
}

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
  /** Absolute Location of a redirect response. */
  location?: URL;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  // Skip the tag name itself.
  const inner = tag.replace(/^<\s*[a-z0-9]+/i, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    const name = m[1];
    if (!name) continue;
    out[name.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

export function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

interface Control {
  tag: string;
  attrs: Record<string, string>;
  inner: string;
  index: number;
}

// Inputs, buttons, textareas and selects anywhere in the document, in order, with their position.
function controls(html: string): Control[] {
  const out: Control[] = [];
  const re = /<(input|button|textarea|select)\b[^>]*>/gi;
  for (const m of html.matchAll(re)) {
    const tag = (m[1] ?? '').toLowerCase();
    let inner = '';
    if (tag !== 'input') {
      const close = html.indexOf(`</${tag}`, m.index + m[0].length);
      inner = close === -1 ? '' : html.slice(m.index + m[0].length, close);
    }
    out.push({ tag, attrs: attributes(m[0]), inner, index: m.index });
  }
  return out;
}

export function parseForms(html: string, base: URL): Form[] {
  const all = controls(html);
  const forms: Form[] = [];
  for (const m of html.matchAll(/<form\b[^>]*>/gi)) {
    const attrs = attributes(m[0]);
    const start = m.index;
    const endTag = html.indexOf('</form', start);
    const end = endTag === -1 ? html.length : endTag;
    // A control belongs to the form it sits in, or to the one its form="id" attribute names.
    const mine = all.filter((c) =>
      c.attrs.form !== undefined ? attrs.id !== undefined && c.attrs.form === attrs.id : c.index > start && c.index < end,
    );
    const fields: Record<string, string> = {};
    const names: string[] = [];
    const buttons: FormButton[] = [];
    for (const c of mine) {
      const type = (c.attrs.type ?? (c.tag === 'button' ? 'submit' : 'text')).toLowerCase();
      if (c.tag === 'button' || (c.tag === 'input' && (type === 'submit' || type === 'image'))) {
        if (type === 'submit' || type === 'image')
          buttons.push({
            name: c.attrs.name,
            value: c.attrs.value ?? '',
            text: textOf(c.inner) || c.attrs.value || '',
            formaction: c.attrs.formaction,
          });
        continue;
      }
      const name = c.attrs.name;
      if (!name || 'disabled' in c.attrs) continue;
      names.push(name);
      if (c.tag === 'textarea') {
        fields[name] = decodeEntities(c.inner);
      } else if (c.tag === 'select') {
        const options = [...c.inner.matchAll(/<option\b[^>]*>/gi)].map((o) => attributes(o[0]));
        const chosen = options.find((o) => 'selected' in o) ?? options[0];
        if (chosen) fields[name] = chosen.value ?? '';
      } else if (type === 'checkbox' || type === 'radio') {
        if ('checked' in c.attrs) fields[name] = c.attrs.value ?? 'on';
      } else if (type !== 'password' && type !== 'file' && type !== 'reset' && type !== 'button') {
        fields[name] = c.attrs.value ?? '';
      }
    }
    forms.push({
      id: attrs.id,
      action: new URL(attrs.action || base.href, base),
      method: (attrs.method ?? 'get').toUpperCase(),
      fields,
      names,
      buttons,
    });
  }
  return forms;
}

export class Browser {
  readonly origin: string;
  readonly userAgent: string;
  private jar: Cookie[] = [];

  /** `origin`: the provider's origin; redirects elsewhere (the client's redirect_uri) are captured, not followed. */
  constructor(origin: string, userAgent = 'ciam-e2e') {
    this.origin = new URL(origin).origin;
    this.userAgent = userAgent;
  }

  private cookieHeader(url: URL): string {
    const now = Date.now();
    this.jar = this.jar.filter((c) => c.expires === undefined || c.expires > now);
    return this.jar
      .filter((c) => c.host === url.host && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), host: url.host, path: defaultPath(url) };
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=').map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === 'path' && v.startsWith('/')) cookie.path = v;
        else if (key === 'max-age') cookie.expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(v);
      }
      this.jar = this.jar.filter((c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path));
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.jar.push(cookie);
    }
  }

  cookies(): ReadonlyArray<Readonly<Cookie>> {
    return this.jar;
  }

  clearCookies(): void {
    this.jar = [];
  }

  /** One request, no redirects followed. */
  async request(
    url: string | URL,
    init: { method?: string; body?: string | URLSearchParams; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'text/html', ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body = init.body;
    if (body instanceof URLSearchParams) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = body.toString();
    }
    const res = await fetch(target, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    this.store(target, res.headers);
    const text = await res.text();
    const loc = res.headers.get('location');
    return {
      url: target,
      status: res.status,
      headers: res.headers,
      body: text,
      location: loc && res.status >= 300 && res.status < 400 ? new URL(loc, target) : undefined,
    };
  }

  /**
   * Follows redirects while they stay on the provider's origin. `page` is the last response from the provider; when
   * it redirected elsewhere, `redirect` is where to (e.g. the client's redirect_uri with code or error).
   */
  async follow(first: Page): Promise<{ page: Page; redirect?: URL }> {
    let page = first;
    for (let hops = 0; hops < 20; hops++) {
      if (!page.location) return { page };
      if (page.location.origin !== this.origin) return { page, redirect: page.location };
      page = await this.request(page.location);
    }
    throw new Error(`too many redirects, last at ${page.url.href}`);
  }

  async navigate(url: string | URL): Promise<{ page: Page; redirect?: URL }> {
    return this.follow(await this.request(url));
  }

  /**
   * Submits a form as a browser would: the rendered fields, overridden by `values`, plus the named button's
   * name=value (and its formaction). Then follows redirects like navigate().
   */
  async submit(
    form: Form,
    values: Record<string, string> = {},
    opts: { button?: FormButton; omit?: string[] } = {},
  ): Promise<{ page: Page; redirect?: URL }> {
    const data = new URLSearchParams();
    const merged = { ...form.fields, ...values };
    for (const k of opts.omit ?? []) delete merged[k];
    for (const [k, v] of Object.entries(merged)) data.append(k, v);
    if (opts.button?.name) data.append(opts.button.name, opts.button.value);
    const action = opts.button?.formaction ? new URL(opts.button.formaction, form.action) : form.action;
    if (form.method === 'GET') {
      const target = new URL(action);
      target.search = data.toString();
      return this.navigate(target);
    }
    return this.follow(await this.request(action, { method: 'POST', body: data }));
  }
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function forms(page: Page): Form[] {
  return parseForms(page.body, page.url);
}

/** The form whose action (or one of whose buttons' formaction) matches; throws with the page text when absent. */
export function findForm(page: Page, action: RegExp): { form: Form; button?: FormButton } {
  for (const form of forms(page)) {
    if (action.test(form.action.pathname)) return { form, button: form.buttons.find((b) => !b.formaction) };
    const button = form.buttons.find((b) => b.formaction && action.test(new URL(b.formaction, form.action).pathname));
    if (button) return { form, button };
  }
  throw new Error(
    `no form posting to ${action} on ${page.url.pathname} (status ${page.status}); forms: ${forms(page)
      .map((f) => f.action.pathname)
      .join(', ')}\n${textOf(page.body).slice(0, 600)}`,
  );
}
