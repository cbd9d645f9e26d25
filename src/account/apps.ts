// The account center's "Connected apps" (/account/apps): every app holding a grant, and per app what it can see,
// what the customer kept from it, which items the app requires and which are optional.
// - Optional items can be changed at any time: narrowing rewrites the grant, so the app's next token, id_token and
//   userinfo answer leave the item out; widening re-allows an item withheld before.
// - Withdrawing consent entirely revokes the grant with every token and code issued from it, and tells the app by
//   back-channel logout (services/grants.ts).
// - Every change is a consent record (services/consents.ts) with source 'account_center', shown as the app's history.
import type { Context } from 'koa';
import { notFound } from '../errors.ts';
import { translator, type Translate } from '../i18n/index.ts';
import { readChoice } from '../interaction/consent.ts';
import { describeClaim, describeItem, describeScope } from '../interaction/describe.ts';
import type { Choice } from '../services/consent-choices.ts';
import type { ConsentRecord, ConsentService } from '../services/consents.ts';
import type { AppConsent, GrantService } from '../services/grants.ts';
import type { SignedIn } from './auth.ts';
import { ACCOUNT_CLIENT_ID } from './client.ts';
import { FORM_ERROR, meta, seeOther, str, type AccountPages } from './pages.ts';
import { allowImages, formatDate, formatTime } from './view.ts';

export interface AppsDeps {
  grants: GrantService;
  /** Consent records; without it changes are audited by the grant service only and no history is shown. */
  consents?: ConsentService;
}

const MAX_CLIENT_ID = 256;
const BASE = '/account/apps';
const appPath = (clientId: string) => `${BASE}/${encodeURIComponent(clientId)}`;

const clientIdOf = (value: unknown): string => {
  const clientId = str(value, MAX_CLIENT_ID);
  if (!clientId || clientId === ACCOUNT_CLIENT_ID) throw notFound('No such app');
  return clientId;
};

function historyLines(t: Translate, account: SignedIn, records: ConsentRecord[]) {
  return records.map((r) => ({
    text: t('consent.apps.history.entry', {
      date: formatTime(r.at, account),
      action: t(`consent.action.${r.action}`),
      source: t(`consent.source.${r.source}`),
    }),
    withheld: [...r.withheld.scopes.map((s) => describeScope(t, s)), ...r.withheld.claims.map((c) => describeClaim(t, c))],
  }));
}

export function appsRoutes(pages: AccountPages, deps: AppsDeps): void {
  const { get, post, render } = pages;

  get('/apps', {}, async (ctx, account) => {
    const t = translator(account.locale);
    const apps = await deps.grants.listForAccount(account.accountId);
    allowImages(ctx, apps.map((a) => a.logoUri));
    render(ctx, account, 'apps', 'apps', 'account.apps.title', {
      apps: apps.map((app) => ({
        clientId: app.clientId,
        name: app.name,
        href: appPath(app.clientId),
        uri: app.uri ?? null,
        logoUri: app.logoUri ?? null,
        initial: [...app.name][0]?.toUpperCase() ?? '?',
        grantedAt: app.grantedAt ? formatDate(app.grantedAt, account) : null,
        scopes: app.scopes.map((s) => describeScope(t, s)),
        claims: app.claims.map((c) => describeClaim(t, c)),
        resources: Object.entries(app.resources).map(([name, scopes]) => ({ name, scopes: scopes.map((scope) => t('scope.other', { scope })) })),
      })),
    });
  });

  const renderApp = async (ctx: Context, account: SignedIn, consent: AppConsent, form: { chosen?: Choice; error?: boolean } = {}) => {
    const t = translator(account.locale);
    const views = consent.items.map((item, i) => ({ ...describeItem(t, item, i), optional: item.optional, shared: item.shared }));
    const history = deps.consents ? await deps.consents.history(account.accountId, consent.clientId) : [];
    const isChosen = (v: (typeof views)[number]) =>
      form.chosen ? (v.kind === 'scope' ? form.chosen.scopes : form.chosen.claims).has(v.name) : v.shared;
    render(
      ctx,
      account,
      'app',
      'apps',
      'account.apps.title',
      {
        app: { clientId: consent.clientId, name: consent.name, action: `${appPath(consent.clientId)}/consent` },
        heading: t('consent.apps.title', { app: consent.name }),
        shared: views.filter((v) => v.shared).map((v) => ({ label: v.label, optional: v.optional })),
        withheld: views.filter((v) => !v.shared).map((v) => ({ label: v.label, optional: v.optional })),
        optional: views.filter((v) => v.optional).map((v) => ({ id: v.id, kind: v.kind, name: v.name, label: v.label, checked: isChosen(v) })),
        resources: Object.entries(consent.resources).map(([name, scopes]) => ({ name, scopes: scopes.map((scope) => t('scope.other', { scope })) })),
        history: historyLines(t, account, history),
        error: form.error ? { key: 'consent.error.choice' } : null,
      },
      form.error ? FORM_ERROR : undefined,
    );
  };

  get('/apps/:clientId', {}, async (ctx, account) => {
    const consent = await deps.grants.consentOf(account.accountId, clientIdOf(ctx.params.clientId));
    if (!consent) throw notFound('No such app');
    await renderApp(ctx, account, consent);
  });

  post('/apps/:clientId/consent', { back: BASE }, async (ctx, account, body) => {
    const clientId = clientIdOf(ctx.params.clientId);
    const consent = await deps.grants.consentOf(account.accountId, clientId);
    if (!consent) throw notFound('No such app');
    const choice = readChoice(body);
    if (!choice) return renderApp(ctx, account, consent, { error: true });
    const result = await deps.grants.changeOptional(account.accountId, clientId, choice);
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound('No such app');
      return renderApp(ctx, account, consent, { chosen: choice, error: true });
    }
    if (!result.changed) return seeOther(ctx, appPath(clientId), 'account.flash.nothingChanged');
    if (deps.consents) {
      await deps.consents.record({
        accountId: account.accountId,
        clientId,
        ...(result.grantIds[0] ? { grantId: result.grantIds[0] } : {}),
        action: 'changed',
        source: 'account_center',
        granted: { ...result.decision.granted, resources: consent.resources },
        withheld: result.decision.withheld,
        ...meta(ctx),
      });
    }
    seeOther(ctx, appPath(clientId), 'consent.flash.changed');
  });

  // Withdrawing consent entirely (the list's "Remove access" and the app page's "Withdraw consent").
  post('/apps/revoke', { back: BASE }, async (ctx, account, body) => {
    const clientId = clientIdOf(body.client_id);
    const before = await deps.grants.consentOf(account.accountId, clientId);
    if (!(await deps.grants.revoke(account.accountId, clientId, { reason: 'account_center', ...meta(ctx) }))) throw notFound('No such app');
    if (deps.consents) {
      const shared = (before?.items ?? []).filter((i) => i.shared);
      await deps.consents.record({
        accountId: account.accountId,
        clientId,
        ...(before?.grantIds[0] ? { grantId: before.grantIds[0] } : {}),
        action: 'withdrawn',
        source: 'account_center',
        granted: { scopes: [], claims: [], resources: {} },
        // What the app had until now, all of it taken back.
        withheld: {
          scopes: shared.filter((i) => i.kind === 'scope').map((i) => i.name),
          claims: shared.filter((i) => i.kind === 'claim').map((i) => i.name),
        },
        ...meta(ctx),
      });
    }
    seeOther(ctx, BASE, 'account.flash.appRevoked');
  });
}
