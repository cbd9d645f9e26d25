// Legal documents inside the sign-in: the `legal` step (oidc/policy.ts) that asks a known customer to accept the
// versions in force they have not accepted yet, and the acceptance that is part of sign-up.
// - The page lists each document with its version, a link to it, and what changed (inline and/or linked); the
//   customer's earlier acceptance of the same document is named, so an update is recognisable as one.
// - The form carries a fingerprint of the versions shown: if a version changes while the page is open, the accept is
//   refused (400, nothing stored) and the page shows the new set, so nobody is recorded accepting text never shown.
// - Declining is audited and ends the sign-in on a page saying so, whose link back to the app delivers OAuth
//   access_denied at its redirect_uri (the result is stored on the interaction; the link resumes it).
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { AppError } from '../errors.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { Locale } from '../i18n/index.ts';
import { LEGAL_PROMPT } from '../oidc/policy.ts';
import type { SignupAcceptance } from '../services/code-payloads.ts';
import type { Acceptance, DocumentRef, LegalDocument, LegalService } from '../services/legal.ts';
import { recordResult, type LoadedInteraction } from './context.ts';
import { FORM_ERROR_STATUS, requestMeta, type FormError } from './forms.ts';

export interface LegalStepDeps {
  provider: Provider;
  legal: Pick<LegalService, 'pending' | 'accept' | 'decline' | 'history'>;
}

/** The form field carrying the fingerprint of the versions a page showed. */
export const SHOWN_FIELD = 'legal_shown';
/** The sign-up checkbox. */
export const ACCEPT_FIELD = 'accept_legal';

/** Which (document, version) pairs a page showed, as a short opaque token. */
export function fingerprint(docs: readonly DocumentRef[]): string {
  const pairs = docs.map((d) => [d.id, d.version]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('base64url').slice(0, 22);
}

/** A calendar date in the page's language; effective dates are configured in UTC. */
export function formatDay(date: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/** Text split into paragraphs at blank lines (each a list of lines), for templates that escape every piece. */
export function paragraphs(text: string): string[][] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.split('\n').map((l) => l.trim()).filter(Boolean))
    .filter((p) => p.length > 0);
}

/** A document as the sign-up and legal pages link it. */
export function documentLink(doc: LegalDocument, locale: Locale) {
  const url = doc.url(locale);
  return { id: doc.id, version: doc.version, title: doc.title(locale), url, external: !url.startsWith('/') };
}

function documentView(doc: LegalDocument, locale: Locale, previous: Acceptance | undefined) {
  const changes = doc.changes(locale);
  const changesUrl = doc.changesUrl(locale);
  return {
    ...documentLink(doc, locale),
    effective: formatDay(doc.effective, locale),
    changes: changes ? { lang: changes.lang, paragraphs: paragraphs(changes.value) } : null,
    // The public page's #changes anchor repeats the inline summary: linked only when it says more (an operator's URL).
    changesUrl: changesUrl && !(changes && changesUrl.startsWith('/legal/')) ? changesUrl : null,
    previous: previous ? { version: previous.version, date: formatDay(previous.acceptedAt, locale) } : null,
  };
}

function accountOf(loaded: LoadedInteraction): string {
  const accountId = loaded.details.session?.accountId;
  if (!accountId) throw new errors.SessionNotFound('legal step without a signed-in account');
  return accountId;
}

function legalPaths(loaded: LoadedInteraction) {
  const base = `/interaction/${encodeURIComponent(loaded.uid)}`;
  return { accept: `${base}/legal`, decline: `${base}/legal/decline` };
}

export async function renderLegal(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: LegalStepDeps,
  form: { error?: FormError; status?: number; pending?: LegalDocument[] } = {},
): Promise<void> {
  const accountId = accountOf(loaded);
  const pending = form.pending ?? (await deps.legal.pending(accountId, loaded.client.id));
  // Accepted meanwhile (another tab): nothing left to ask.
  if (pending.length === 0) return finish(ctx, deps.provider);
  const history = await deps.legal.history(accountId);
  const latest = (id: string) => history.find((a) => a.documentId === id);
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'legal', {
    locale: loaded.locale,
    title: 'legal.prompt.title',
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      error: form.error ?? null,
      documents: pending.map((d) => documentView(d, loaded.locale, latest(d.id))),
      shown: fingerprint(pending),
      paths: legalPaths(loaded),
    },
  });
}

export async function acceptLegal(ctx: Context, loaded: LoadedInteraction, deps: LegalStepDeps): Promise<void> {
  if (loaded.details.prompt.name !== LEGAL_PROMPT) return continueInteraction(ctx, loaded);
  const accountId = accountOf(loaded);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const pending = await deps.legal.pending(accountId, loaded.client.id);
  if (pending.length === 0) return finish(ctx, deps.provider);
  if (body[SHOWN_FIELD] !== fingerprint(pending)) {
    return renderLegal(ctx, loaded, deps, { error: { key: 'legal.error.changed' }, pending });
  }
  await deps.legal.accept(accountId, pending, { source: 'login', clientId: loaded.client.id, ...requestMeta(ctx) });
  await finish(ctx, deps.provider);
}

export async function declineLegal(ctx: Context, loaded: LoadedInteraction, deps: LegalStepDeps): Promise<void> {
  if (loaded.details.prompt.name !== LEGAL_PROMPT) return continueInteraction(ctx, loaded);
  const accountId = accountOf(loaded);
  const pending = await deps.legal.pending(accountId, loaded.client.id);
  await deps.legal.decline(accountId, pending, { clientId: loaded.client.id, ...requestMeta(ctx) });
  // Stored on the interaction; following the page's link resumes the authorization, which then redirects to the
  // app with the error (the app learns nothing else).
  const returnTo = await recordResult(
    ctx,
    deps.provider,
    { error: 'access_denied', error_description: 'End-User declined the legal documents in force' },
    { mergeWithLastSubmission: false },
  );
  renderPage(ctx, 'legal-declined', {
    locale: loaded.locale,
    title: 'legal.declined.title',
    data: {
      client: loaded.client,
      documents: pending.map((d) => documentLink(d, loaded.locale)),
      returnTo,
    },
  });
}

async function finish(ctx: Context, provider: Provider): Promise<void> {
  const returnTo = await recordResult(ctx, provider, { [LEGAL_PROMPT]: {} });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

function continueInteraction(ctx: Context, loaded: LoadedInteraction): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${encodeURIComponent(loaded.uid)}`);
}

// --- sign-up ---------------------------------------------------------------------------------------------------

export type SignupLegal = Pick<LegalService, 'inForce' | 'accept' | 'find'>;

/** What sign-up shows: the documents in force for the app, or null when none are configured. */
export function signupLegalView(legal: SignupLegal | undefined, loaded: LoadedInteraction, accepted: boolean) {
  const docs = legal?.inForce(loaded.client.id) ?? [];
  if (docs.length === 0) return null;
  return {
    documents: docs.map((d) => documentLink(d, loaded.locale)),
    shown: fingerprint(docs),
    accepted,
    field: ACCEPT_FIELD,
    shownField: SHOWN_FIELD,
  };
}

/** Stored with the pending sign-up (sealed in its code) until the address is confirmed and the account exists. */
export type { SignupAcceptance };

/**
 * The sign-up form's acceptance: none needed without documents; otherwise the box must be ticked and the versions
 * shown must still be the ones in force.
 */
export function readSignupAcceptance(
  ctx: Context,
  legal: SignupLegal | undefined,
  loaded: LoadedInteraction,
  body: Record<string, unknown>,
): { ok: true; acceptance?: SignupAcceptance } | { ok: false; error: FormError } {
  const docs = legal?.inForce(loaded.client.id) ?? [];
  if (docs.length === 0) return { ok: true };
  if (body[SHOWN_FIELD] !== fingerprint(docs)) return { ok: false, error: { key: 'legal.error.changed', field: ACCEPT_FIELD } };
  if (body[ACCEPT_FIELD] !== 'yes') return { ok: false, error: { key: 'legal.error.acceptRequired', field: ACCEPT_FIELD } };
  return {
    ok: true,
    acceptance: { documents: docs.map((d) => ({ id: d.id, version: d.version })), at: new Date().toISOString(), ...requestMeta(ctx) },
  };
}

/** Records the sign-up's acceptance for the new account (versions no longer configured are skipped). */
export async function recordSignupAcceptance(
  legal: SignupLegal | undefined,
  accountId: string,
  clientId: string,
  acceptance: SignupAcceptance | undefined,
): Promise<void> {
  if (!legal || !acceptance) return;
  const documents = acceptance.documents.filter((d) => legal.find(d.id, d.version));
  const at = new Date(acceptance.at);
  await legal.accept(accountId, documents, {
    source: 'signup',
    clientId,
    ...(acceptance.ip ? { ip: acceptance.ip } : {}),
    ...(acceptance.userAgent ? { userAgent: acceptance.userAgent } : {}),
    ...(Number.isNaN(at.getTime()) ? {} : { at }),
  });
}

/** The legal service, which the sign-in needs once the policy can ask for the `legal` step. */
export function requireLegal<T>(legal: T | undefined): T {
  if (!legal) throw new AppError(500, 'unsupported_prompt', 'No legal documents service for the "legal" prompt');
  return legal;
}
