// A step of the sign-in as a declaration, and the one registrar that turns steps into routes. A step says which
// prompt it answers (the page GET /interaction/:uid shows for it), where its pages are, when they apply, and what
// each does; the registrar applies the same order to every page:
//   prepare (error pages know where "try again" goes) → form body (POST) → CSRF → load the interaction
//   → guard (outside the step's moment: to the sign-in's current page) → parse the form with the page's zod schema
//   (POST, step-forms.ts: only the fields it names reach the page) → the page's own work, given the parsed form.
// Adding a step is one declaration in its own file (as federation-step.ts), listed in routes.ts, plus the policy.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { z } from 'zod';
import { csrf } from '../http/csrf.ts';
import { formBody, malformedBody } from '../http/form-body.ts';
import { interactionPath, loadInteraction, type LoadedInteraction } from './context.ts';
import { seeOther } from './mfa-decide.ts';

export interface StepPage<F = unknown> {
  method: 'get' | 'post';
  /** Below /interaction/:uid, e.g. '/signup/verify'. */
  path: string;
  /** Before anything is read: refuse a page the configuration switched off (e.g. sign-up). */
  available?: () => void;
  /** When this page applies, instead of its step's `at`. */
  at?: (loaded: LoadedInteraction) => boolean;
  /** A POST page's form (forms.ts formOf): the body is parsed with it before the page runs. */
  form?: z.ZodType<F>;
  handle(ctx: Context, loaded: LoadedInteraction, form: F): Promise<void> | void;
}

export interface Step {
  /** The prompt this step answers: GET /interaction/:uid renders it while the prompt is open. */
  prompt?: string;
  render?: (ctx: Context, loaded: LoadedInteraction) => Promise<void> | void;
  /** When the step's pages apply (default: always; the page itself then decides). */
  at?: (loaded: LoadedInteraction) => boolean;
  pages: readonly StepPage[];
}

type PageOptions = Pick<StepPage, 'available' | 'at'>;
export const get = (path: string, handle: StepPage<undefined>['handle'], opts: PageOptions = {}): StepPage<undefined> => ({ method: 'get', path, handle, ...opts });
/** A POST page: its form's schema, then what it does with the parsed form. */
export const post = <F>(path: string, form: z.ZodType<F>, handle: StepPage<F>['handle'], opts: PageOptions = {}): StepPage<F> => ({
  method: 'post',
  path,
  form,
  handle,
  ...opts,
});

/** The page's form as its schema reads the body; a body it refuses was not sent by our page. */
function parseForm<F>(ctx: Context, page: StepPage<F>): F {
  if (!page.form) return undefined as F;
  const parsed = page.form.safeParse(ctx.request.body ?? {});
  // The form parser gives an object of strings, lists and objects: only a body that is none of these gets here.
  if (!parsed.success) throw malformedBody();
  // Pages that still read the body see what the schema let through, nothing more.
  ctx.request.body = parsed.data;
  return parsed.data;
}

/** Registers every page of `steps` on `router`, each behind `prepare`, in the one order above. */
export function registerSteps(router: Router, steps: readonly Step[], opts: { provider: () => Provider; prepare: Middleware }): void {
  for (const step of steps) {
    for (const page of step.pages) {
      const chain: Middleware[] = page.method === 'post' ? [opts.prepare, formBody(), csrf()] : [opts.prepare, csrf()];
      router[page.method](`/interaction/:uid${page.path}`, ...chain, async (ctx: Context) => {
        page.available?.();
        const loaded = await loadInteraction(ctx, opts.provider());
        // A second submit (other tab, Back) after the step is done, or a page of a step not reached yet.
        const at = page.at ?? step.at;
        if (at && !at(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
        await page.handle(ctx, loaded, parseForm(ctx, page));
      });
    }
  }
}

/** The page of the step that answers the interaction's open prompt, or undefined. */
export function stepFor(steps: readonly Step[], prompt: string): Step['render'] {
  return steps.find((s) => s.prompt === prompt)?.render;
}
